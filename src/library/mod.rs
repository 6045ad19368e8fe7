//! The music library: reading files (tags), the ingest pipeline, covers, and folder scans.

pub mod covers;
pub mod ingest;
pub mod scan;
pub mod service;
pub mod tags;
pub mod uploads;
