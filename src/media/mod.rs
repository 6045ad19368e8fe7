//! Serving media beyond the file itself: transcodes (ffmpeg) and art at bounded sizes.

pub mod artwork;
pub mod transcode;
