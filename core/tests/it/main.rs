//! Integration tests against the real devserver (Dovecot + Postfix): one test binary, so
//! the dependency graph is linked once and every test runs in parallel.
//!
//! Start the servers first: `devserver/devserver start` (or run `./test.sh`).

mod common;
mod discover;
mod end_to_end;
mod gmail;
mod imap_concurrency;
mod imap_connect;
mod imap_introspection;
mod imap_mailboxes;
mod imap_messages;
mod imap_outage;
mod imap_push_sync;
mod imap_sync_profiles;
mod imap_traces;
mod oauth_provider;
mod smtp;
mod watch_many;
