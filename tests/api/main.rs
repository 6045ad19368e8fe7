//! Juke's integration tests: one binary, a module per area. Storage tests run against SQLite
//! and against a real PostgreSQL (`TEST_POSTGRES_URL`, which `scripts/test` provides).

// A failed expectation in a test is a panic by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod abuse;
mod accounts;
mod app;
mod app_passwords;
mod audio;
mod cache;
mod catalog;
mod crashes;
mod database_lost;
mod disk_full;
mod editing;
mod family;
mod ghost_albums;
mod helpers;
mod hostile_files;
mod images;
mod library;
mod media;
mod metrics;
mod migrations;
mod openapi;
mod operations;
mod outage;
mod path_match;
mod playlists;
mod plays;
mod radio;
mod rescan_edits;
mod search;
mod server;
mod shares;
mod small_disk;
mod social;
mod storage_constraints;
mod storage_triggers;
mod subsonic;
mod subsonic_queue;
mod throttle;
mod transcode;
mod upload_limits;
mod uploads;
mod web_player;
