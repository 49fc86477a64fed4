//! One storage story, two tests: `on_both_databases!(story)` runs
//! `async fn story(db: TestDb)` once on SQLite and once on PostgreSQL, as the tests
//! `story::sqlite` and `story::postgres`. A failure names its database, and one half
//! runs alone (`cargo test --test e2e restart::killed_mid_declare::postgres`).
//!
//! Arguments after the story's name go to `#[tokio::test(…)]` unchanged, e.g.
//! `on_both_databases!(storm, flavor = "multi_thread", worker_threads = 2);`.
//! The PostgreSQL half skips, saying so on stderr, when the server is unreachable
//! (and fails with WR_REQUIRE_POSTGRES=1: see [`super::postgres`]).

/// Generates `mod $story { sqlite, postgres }`, each test calling `$story` with a
/// fresh database of its kind.
macro_rules! on_both_databases {
    ($story:ident $(, $($tokio:tt)+)?) => {
        mod $story {
            #[tokio::test $(($($tokio)+))?]
            async fn sqlite() {
                super::$story($crate::common::sqlite()).await;
            }

            #[tokio::test $(($($tokio)+))?]
            async fn postgres() {
                let Some(db) = $crate::common::postgres().await else {
                    return;
                };
                super::$story(db).await;
            }
        }
    };
}

pub(crate) use on_both_databases;
