//! Media: serving audio and art (`serve`), the audio formats Juke knows, the picture types of
//! stored covers, transcodes (ffmpeg) and art at bounded sizes. Nothing here depends on the
//! library; the library depends on these format types.

pub mod artwork;
pub mod audio_format;
pub mod cover_format;
pub mod serve;
pub mod transcode;
