//! System methods: getLicense, getOpenSubsonicExtensions, getMusicFolders (ping has no body).

use super::Ctx;
use super::response::Node;

/// Juke is free software: the license is always valid.
pub fn license() -> Node {
    Node::new("license")
        .attr("valid", true)
        .attr("email", "")
        .attr("licenseExpires", "2099-12-31T23:59:59Z")
}

/// OpenSubsonic extensions this server speaks, each with its versions (a list directly under
/// the response).
pub fn extensions(root: Node) -> Node {
    root.list(
        [
            ("apiKeyAuthentication", 1),
            ("formPost", 1),
            ("indexBasedQueue", 1),
            ("playbackReport", 1),
            ("songLyrics", 1),
            // stream's timeOffset starts the transcoder there (ffmpeg -ss).
            ("transcodeOffset", 1),
        ]
        .map(|(name, version)| {
            Node::new("openSubsonicExtensions")
                .attr("name", name)
                .list([Node::scalar("versions", version)])
        }),
    )
}

/// One music folder: the whole library (Juke does not split it by folder).
pub fn music_folders(_ctx: &Ctx<'_>) -> Node {
    Node::new("musicFolders").list([Node::new("musicFolder").attr("id", 1).attr("name", "Music")])
}
