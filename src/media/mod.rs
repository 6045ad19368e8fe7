//! Media: serving audio and art (`serve`), ffmpeg transcodes, and art at bounded sizes.

pub mod artwork;
pub mod serve;
pub mod transcode;
