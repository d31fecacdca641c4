#!/usr/bin/env bash
# The mailwire demo: starts the local mail servers (Dovecot + Postfix from Debian's
# packages, on loopback ports) and runs the quickstart: send a message with an attachment
# over SMTP, see it arrive over IMAP, list mailboxes with unread counts, list and download
# the attachment without fetching the whole message, flag and move it.
set -euo pipefail
cd "$(dirname "$0")"
command -v cargo >/dev/null || { echo "cargo (Rust >= 1.80) is required" >&2; exit 1; }
devserver/devserver install
devserver/devserver start
eval "$(devserver/devserver env)"
cargo run -q -p mailwire-examples --bin quickstart
