//! The music library: reading files (tags, content hashes), the ingest pipeline, covers, and
//! folder scans.

pub mod covers;
pub mod ingest;
pub mod read;
pub mod scan;
pub mod service;
pub mod tags;
pub mod uploads;
