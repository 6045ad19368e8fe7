#![forbid(unsafe_code)]
//! Juke: a self-hosted music streaming server. `main.rs` only calls [`cli::run`].

pub mod account_links;
pub mod accounts;
pub mod api;
pub mod auth;
pub mod backup;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod http_body;
pub mod instance;
pub mod library;
pub mod listening;
pub mod lockfile;
pub mod log_text;
pub mod media;
pub mod metrics;
pub mod play_queue;
pub mod playlists;
pub mod private_fs;
pub mod qr;
pub mod radio;
pub mod search;
pub mod shares;
pub mod similar;
pub mod startup;
pub mod storage;
pub mod stored_path;
pub mod subsonic;
pub mod telemetry;
pub mod untrusted_file;
pub mod validate;
pub mod web;
