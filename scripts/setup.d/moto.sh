#!/usr/bin/env bash
# moto in server mode stands in for AWS Budgets and Cost Explorer in the budget tests.
set -euo pipefail
if python3 -c 'import moto.server, boto3' 2>/dev/null; then exit 0; fi
python3 -m pip install --quiet --disable-pip-version-check 'moto[server]==5.2.5'
python3 -c 'import moto, boto3; print("moto", moto.__version__)'
