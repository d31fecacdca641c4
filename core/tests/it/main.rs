//! Integration tests against the real devserver (Dovecot + Postfix): one test binary, so
//! the dependency graph is linked once and every test runs in parallel.
//!
//! Start the servers first: `devserver/devserver start` (or run `./test.sh`).

mod common;
mod end_to_end;
mod imap_concurrency;
mod imap_connect;
mod imap_mailboxes;
mod imap_messages;
mod imap_outage;
mod imap_push_sync;
mod imap_sync_profiles;
mod imap_traces;
mod smtp;
