//! Publishing a postmortem draft: into the channel's canvas (edited when there is one),
//! or, where canvases are unavailable, as a Markdown file with the external upload flow
//! (which also shares other files: a debrief's calendar invitation).

use serde_json::json;

use super::SlackChat;
use super::call::{missing, str_at};
use crate::chat::{ChatError, ChatResult, Document, Published, Upload};

impl SlackChat {
    /// The draft as a canvas, replacing `existing`'s content when it is one; a file
    /// when canvases are refused for good.
    pub(super) async fn publish_document(
        &self,
        channel: &str,
        doc: &Document,
        existing: Option<&Published>,
    ) -> ChatResult<Published> {
        let content = json!({"type": "markdown", "markdown": doc.markdown});
        if let Some(Published::Canvas { id }) = existing {
            let edit = json!({"canvas_id": id, "changes": [{"operation": "replace", "document_content": content}]});
            match self.call("canvases.edit", &edit).await {
                Ok(_) => return Ok(Published::Canvas { id: id.clone() }),
                Err(e) if e.is_retryable() => return Err(e),
                Err(e) => tracing::warn!(error = %e, "canvas could not be edited; publishing anew"),
            }
        }
        let create =
            json!({"channel_id": channel, "title": doc.title, "document_content": content});
        match self.call("conversations.canvases.create", &create).await {
            Ok(v) => {
                let id = str_at(&v, "/canvas_id")
                    .ok_or_else(|| missing("conversations.canvases.create", "canvas_id"))?;
                Ok(Published::Canvas { id: id.to_string() })
            }
            Err(e) if e.is_retryable() => Err(e),
            Err(e) => {
                // Free plans, disabled canvases, a channel canvas someone else made:
                // a Markdown file reads just as well.
                tracing::info!(error = %e, "canvases unavailable; uploading the draft as a file");
                let file = Upload {
                    title: doc.title.clone(),
                    filename: doc.filename.clone(),
                    content_type: "text/markdown; charset=utf-8".into(),
                    bytes: doc.markdown.as_bytes().to_vec(),
                };
                self.upload_file(channel, &file).await
            }
        }
    }

    /// Uploads a file with the external upload flow (`files.upload` is retired).
    pub(super) async fn upload_file(&self, channel: &str, doc: &Upload) -> ChatResult<Published> {
        let bytes = doc.bytes.clone();
        let v = self
            .call_get(
                "files.getUploadURLExternal",
                vec![
                    ("filename", Some(doc.filename.clone())),
                    ("length", Some(bytes.len().to_string())),
                ],
            )
            .await?;
        let url = str_at(&v, "/upload_url")
            .ok_or_else(|| missing("files.getUploadURLExternal", "upload_url"))?
            .to_string();
        let id = str_at(&v, "/file_id")
            .ok_or_else(|| missing("files.getUploadURLExternal", "file_id"))?
            .to_string();
        let r = self
            .http
            .post(&url)
            .header("content-type", doc.content_type.as_str())
            .body(bytes)
            .send()
            .await
            .map_err(|e| ChatError::Unavailable(format!("file upload: {e}")))?;
        if r.status().is_server_error() {
            return Err(ChatError::Unavailable(format!(
                "file upload: HTTP {}",
                r.status().as_u16()
            )));
        }
        if !r.status().is_success() {
            return Err(ChatError::Api(format!(
                "upload_http_{}",
                r.status().as_u16()
            )));
        }
        let v = self
            .call(
                "files.completeUploadExternal",
                &json!({"files": [{"id": id, "title": doc.title}], "channel_id": channel}),
            )
            .await?;
        Ok(Published::File {
            id,
            permalink: str_at(&v, "/files/0/permalink").map(str::to_string),
        })
    }
}
