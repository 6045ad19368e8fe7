//! The Subsonic API (`/rest`) over real HTTP: every answer validated against the official
//! 1.16.1 schema with xmllint (`tests/subsonic/`, OpenSubsonic's three extra attributes on
//! the root taken off first, as the schema predates them), the JSON shape, the three ways to
//! sign in with app passwords, and the same rules as the native API.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use juke::storage::{Id, TrackPatch};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::app::{Login, TestApp};
use crate::helpers;
use crate::http_on_both_engines;

fn schema() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/subsonic/subsonic-rest-api-1.16.1.xsd");
    assert!(
        path.exists(),
        "the Subsonic schema is missing at {}",
        path.display()
    );
    path
}

/// Validates a response against the XSD (after removing the OpenSubsonic root attributes).
pub(crate) fn validate(xml: &str, what: &str) {
    let stripped = [" type=\"juke\"", " openSubsonic=\"true\""]
        .iter()
        .fold(xml.to_owned(), |x, attr| x.replacen(attr, "", 1));
    let stripped = match stripped.find(" serverVersion=\"") {
        Some(at) => {
            let end = stripped[at + 16..].find('"').expect("attribute end") + at + 17;
            format!("{}{}", &stripped[..at], &stripped[end..])
        }
        None => stripped,
    };
    let mut child = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(schema())
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xmllint (Debian's libxml2-utils; scripts/test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stripped.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{what}: not valid against the Subsonic schema:\n{}\n{stripped}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) struct Client<'a> {
    pub(crate) app: &'a TestApp,
    pub(crate) username: String,
    pub(crate) secret: String,
}

impl Client<'_> {
    pub(crate) fn auth(&self) -> Vec<(String, String)> {
        let salt = format!("{:x}", rand_salt());
        let token = format!(
            "{:x}",
            md5::Md5::digest(format!("{}{salt}", self.secret).as_bytes())
        );
        vec![
            ("u".into(), self.username.clone()),
            ("t".into(), token),
            ("s".into(), salt),
            ("v".into(), "1.16.1".into()),
            ("c".into(), "juke-tests".into()),
        ]
    }

    /// GET `/rest/{path}` signed in, with these parameters.
    pub(crate) async fn get(&self, path: &str, params: &[(&str, &str)]) -> reqwest::Response {
        let mut query = self.auth();
        query.extend(
            params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        self.app
            .client
            .get(self.app.url(&format!("/rest/{path}")))
            .query(&query)
            .send()
            .await
            .unwrap()
    }

    /// GET /rest/{method}.view as XML: validated, status checked, the text returned.
    pub(crate) async fn xml(&self, method: &str, params: &[(&str, &str)], ok: bool) -> String {
        let response = self.get(&format!("{method}.view"), params).await;
        assert_eq!(response.status(), StatusCode::OK, "{method}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/xml"),
            "{method}"
        );
        let xml = response.text().await.unwrap();
        validate(&xml, method);
        let status = if ok {
            "status=\"ok\""
        } else {
            "status=\"failed\""
        };
        assert!(xml.contains(status), "{method}: expected {status}: {xml}");
        xml
    }

    /// The same as JSON (`f=json`), without `.view`: the `subsonic-response` object.
    pub(crate) async fn json(&self, method: &str, params: &[(&str, &str)]) -> Value {
        let mut params = params.to_vec();
        params.push(("f", "json"));
        let response = self.get(method, &params).await;
        let body: Value = response.json().await.unwrap();
        body["subsonic-response"].clone()
    }
}

fn rand_salt() -> u64 {
    use std::time::SystemTime;
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    (nanos as u64) ^ 0x9e37_79b9_7f4a_7c15
}

use md5::Digest;

pub(crate) async fn app_password(app: &TestApp, login: &Login, name: &str) -> String {
    let made: Value = app
        .post(
            "/api/v1/me/app-passwords",
            Some(&login.token),
            json!({ "name": name }),
        )
        .await
        .json()
        .await
        .unwrap();
    made["password"].as_str().unwrap().to_owned()
}

pub(crate) async fn raw(app: &TestApp, method: &str, query: &[(&str, &str)]) -> Value {
    let mut query: Vec<(&str, &str)> = query.to_vec();
    query.push(("f", "json"));
    let body: Value = app
        .client
        .get(app.url(&format!("/rest/{method}")))
        .query(&query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["subsonic-response"].clone()
}

pub(crate) fn error_code(response: &Value) -> i64 {
    assert_eq!(response["status"], "failed", "{response}");
    response["error"]["code"].as_i64().expect("error code")
}

/// App passwords sign in three ways; the login password does not; mistakes get their codes.
async fn signs_in_with_app_passwords_only(app: &TestApp) {
    let anna = app.register("anna").await;
    let secret = app_password(app, &anna, "phone").await;
    let hexed = format!("enc:{}", hex::encode(&secret));
    for (what, query) in [
        ("plain", vec![("u", "anna"), ("p", secret.as_str())]),
        ("hex", vec![("u", "ANNA"), ("p", hexed.as_str())]),
        ("api key", vec![("apiKey", secret.as_str())]),
    ] {
        let response = raw(app, "ping", &query).await;
        assert_eq!(response["status"], "ok", "{what}: {response}");
        assert_eq!(response["version"], "1.16.1");
        assert_eq!(response["type"], "juke");
        assert_eq!(response["openSubsonic"], true);
        assert!(response["serverVersion"].is_string());
    }
    let client = Client {
        app,
        username: "anna".into(),
        secret: secret.clone(),
    };
    client.xml("ping", &[], true).await;
    // The list shows the use.
    let list: Value = app
        .get("/api/v1/me/app-passwords", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"][0]["last_used_at"].is_string());

    // An app password is for /rest only: it is no login password.
    let login = app.login_raw("anna", &secret).await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);

    // Failures, each with its code, each a valid document.
    let cases: Vec<(Vec<(&str, &str)>, i64)> = vec![
        (vec![("u", "anna"), ("p", "correct horse")], 40), // the login password
        (vec![("u", "anna"), ("p", "wrong")], 40),
        (vec![("u", "nobody"), ("p", secret.as_str())], 40),
        (vec![("p", secret.as_str())], 10),
        (vec![("u", "anna")], 10),
        (vec![("u", "anna"), ("t", "abc")], 10),
        (vec![("apiKey", "not-a-key")], 44),
        (vec![("apiKey", secret.as_str()), ("u", "anna")], 43),
    ];
    for (query, code) in cases {
        assert_eq!(
            error_code(&raw(app, "ping", &query).await),
            code,
            "{query:?}"
        );
    }
    // The login password is refused with a message saying what to do instead; a wrong one
    // is just wrong.
    let login_password = raw(app, "ping", &[("u", "anna"), ("p", "correct horse")]).await;
    let message = login_password["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("create an app password") && message.contains("profile"),
        "{login_password}"
    );
    let wrong = raw(app, "ping", &[("u", "anna"), ("p", "wrong")]).await;
    assert!(
        !wrong["error"]["message"]
            .as_str()
            .unwrap()
            .contains("app password"),
        "{wrong}"
    );
    let failed = Client {
        app,
        username: "anna".into(),
        secret: "wrong".into(),
    };
    failed.xml("ping", &[], false).await;

    // A revoked app password stops working at once.
    let second = app_password(app, &anna, "tablet").await;
    assert_eq!(
        raw(app, "ping", &[("apiKey", second.as_str())]).await["status"],
        "ok"
    );
    let items: Value = app
        .get("/api/v1/me/app-passwords", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    let tablet = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "tablet")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.delete(&format!("/api/v1/me/app-passwords/{tablet}"), &anna.token)
        .await;
    assert_eq!(
        error_code(&raw(app, "ping", &[("apiKey", second.as_str())]).await),
        44
    );

    // Repeated failures are throttled like the web login.
    for _ in 0..12 {
        raw(app, "ping", &[("u", "bert"), ("p", "guess")]).await;
    }
    let throttled = raw(app, "ping", &[("u", "bert"), ("p", "guess")]).await;
    assert_eq!(error_code(&throttled), 40);
    assert!(
        throttled["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too many"),
        "{throttled}"
    );
}

/// With `subsonic.allow_login_password`, the login password works too (as `p` only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_password_works_only_when_allowed() {
    let app = TestApp::spawn_with(crate::helpers::TestDb::sqlite().await, |config| {
        config.auth.registration = juke::config::Registration::Open;
        config.subsonic.allow_login_password = true;
    })
    .await;
    app.register("anna").await;
    let response = raw(&app, "ping", &[("u", "anna"), ("p", "correct horse")]).await;
    assert_eq!(response["status"], "ok", "{response}");
    let token = format!("{:x}", md5::Md5::digest(b"correct horseabc"));
    let by_token = raw(&app, "ping", &[("u", "anna"), ("t", &token), ("s", "abc")]).await;
    assert_eq!(error_code(&by_token), 40, "no md5 of an argon2 password");
    app.finish().await;
}

struct Library {
    artist: Id,
    album: Id,
    tracks: Vec<Id>,
}

async fn library(app: &TestApp) -> Library {
    let artist = helpers::artist(&app.storage, "Ábba Example").await;
    let other = helpers::artist(&app.storage, "2Pac Example").await;
    let album = helpers::album(&app.storage, artist.id, "Arrival & <Friends>").await;
    let mut tracks = Vec::new();
    for (i, title) in ["Dancing Queen", "Money, Money", "Knowing Me"]
        .iter()
        .enumerate()
    {
        let track = helpers::track(&app.storage, artist.id, Some(album.id), 180 + i as i32).await;
        app.storage
            .update_track(
                track.id,
                &TrackPatch {
                    title: Some((*title).into()),
                    genre: Some(Some("Pop".into())),
                    year: Some(Some(1976)),
                    lyrics: (i == 0).then(|| Some("You can dance\nyou can jive".into())),
                    ..TrackPatch::default()
                },
            )
            .await
            .unwrap();
        tracks.push(track.id);
    }
    let single = helpers::track(&app.storage, other.id, None, 200).await;
    tracks.push(single.id);
    Library {
        artist: artist.id,
        album: album.id,
        tracks,
    }
}

/// Every browsing method answers a valid document, in XML and in JSON, with what the library
/// holds.
async fn browses_the_library(app: &TestApp) {
    let lib = library(app).await;
    let anna = app.register("anna").await;
    let secret = app_password(app, &anna, "phone").await;
    let c = Client {
        app,
        username: "anna".into(),
        secret,
    };
    let ar = format!("ar-{}", lib.artist);
    let al = format!("al-{}", lib.album);
    let tr = format!("tr-{}", lib.tracks[0]);

    for (method, params) in [
        ("getLicense", vec![]),
        ("getMusicFolders", vec![]),
        ("getIndexes", vec![]),
        ("getArtists", vec![]),
        ("getArtist", vec![("id", ar.as_str())]),
        ("getAlbum", vec![("id", al.as_str())]),
        ("getSong", vec![("id", tr.as_str())]),
        ("getMusicDirectory", vec![("id", ar.as_str())]),
        ("getMusicDirectory", vec![("id", al.as_str())]),
        ("getGenres", vec![]),
        ("getAlbumList", vec![("type", "newest")]),
        ("getAlbumList2", vec![("type", "alphabeticalByName")]),
        ("getAlbumList2", vec![("type", "byGenre"), ("genre", "pop")]),
        (
            "getAlbumList2",
            vec![("type", "byYear"), ("fromYear", "2000"), ("toYear", "1900")],
        ),
        ("getRandomSongs", vec![("size", "2")]),
        ("getSongsByGenre", vec![("genre", "Pop"), ("count", "2")]),
        ("search2", vec![("query", "")]),
        ("search3", vec![("query", "")]),
        ("getStarred", vec![]),
        ("getStarred2", vec![]),
        ("getNowPlaying", vec![]),
        ("getUser", vec![("username", "anna")]),
        ("getScanStatus", vec![]),
        (
            "getLyrics",
            vec![("artist", "ábba example"), ("title", "dancing queen")],
        ),
        ("getPlaylists", vec![]),
    ] {
        c.xml(method, &params, true).await;
    }

    let extensions = c.json("getOpenSubsonicExtensions", &[]).await;
    let names: Vec<&str> = extensions["openSubsonicExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for name in [
        "apiKeyAuthentication",
        "formPost",
        "songLyrics",
        "transcodeOffset",
    ] {
        assert!(names.contains(&name), "{name}: {extensions}");
    }
    // Apps ask before anyone signs in: no credentials needed, in JSON and in XML.
    let anonymous = raw(app, "getOpenSubsonicExtensions", &[]).await;
    assert_eq!(anonymous["status"], "ok", "{anonymous}");
    assert_eq!(
        anonymous["openSubsonicExtensions"],
        extensions["openSubsonicExtensions"]
    );
    let anonymous_xml = app
        .client
        .get(app.url("/rest/getOpenSubsonicExtensions.view"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        anonymous_xml.contains(r#"<openSubsonicExtensions name="transcodeOffset">"#),
        "{anonymous_xml}"
    );
    // Other methods still need them.
    assert_eq!(error_code(&raw(app, "getLicense", &[]).await), 10);
    assert_eq!(
        extensions["openSubsonicExtensions"][0]["versions"],
        json!([1])
    );

    let artists = c.json("getArtists", &[]).await;
    let index = artists["artists"]["index"].as_array().unwrap();
    assert_eq!(index[0]["name"], "#", "digits first: {artists}");
    assert_eq!(index[0]["artist"][0]["name"], "2Pac Example");
    assert_eq!(index[1]["name"], "Á");
    assert_eq!(index[1]["artist"][0]["id"], ar);
    assert_eq!(index[1]["artist"][0]["albumCount"], 1);

    let album = c.json("getAlbum", &[("id", &al)]).await;
    let songs = album["album"]["song"].as_array().unwrap();
    assert_eq!(album["album"]["name"], "Arrival & <Friends>");
    assert_eq!(album["album"]["songCount"], 3);
    assert_eq!(songs.len(), 3);
    assert_eq!(songs[0]["title"], "Dancing Queen");
    assert_eq!(songs[0]["albumId"], al);
    assert_eq!(songs[0]["coverArt"], al);
    assert_eq!(songs[0]["duration"], 180);
    assert_eq!(songs[0]["isDir"], false);

    // search3 with an empty query pages through everything, by name.
    let mut seen = Vec::new();
    for offset in 0..5 {
        let offset = offset.to_string();
        let page = c
            .json(
                "search3",
                &[
                    ("query", "\"\""),
                    ("songCount", "1"),
                    ("songOffset", &offset),
                    ("artistCount", "0"),
                    ("albumCount", "0"),
                ],
            )
            .await;
        if let Some(songs) = page["searchResult3"]["song"].as_array() {
            assert_eq!(songs.len(), 1);
            seen.push(songs[0]["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(seen.len(), 4, "every song once: {seen:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4);

    // A real query goes through the search engine. The library above was written behind the
    // server's back (its own storage handle); an edit through the API reaches the index at once.
    let before = c
        .json("search3", &[("query", ""), ("songCount", "10")])
        .await;
    assert_eq!(
        before["searchResult3"]["song"][0]["title"], "Dancing Queen",
        "{before}"
    );
    let renamed = app
        .patch(
            &format!("/api/v1/tracks/{}", lib.tracks[0]),
            &anna.token,
            json!({"title": "Dancing Queen (Live)"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let started = Instant::now();
    loop {
        let found = c.json("search3", &[("query", "dancing")]).await;
        if found["searchResult3"]["song"][0]["title"] == "Dancing Queen (Live)" {
            break;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let native: Value = app
                .get("/api/v1/search?q=dancing", &anna.token)
                .await
                .json()
                .await
                .unwrap();
            let everything = c.json("search3", &[("query", "queen")]).await;
            panic!("{found}\nnative: {native}\nqueen: {everything}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The empty-query pages are shared answers, kept until the catalog changes: the rename
    // shows in them at once.
    let listed = c
        .json("search3", &[("query", ""), ("songCount", "10")])
        .await;
    let titles: Vec<&str> = listed["searchResult3"]["song"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Dancing Queen (Live)"), "{titles:?}");

    let lyrics = c
        .json(
            "getLyrics",
            &[
                ("artist", "Ábba Example"),
                ("title", "dancing queen (live)"),
            ],
        )
        .await;
    assert_eq!(lyrics["lyrics"]["title"], "Dancing Queen (Live)");
    assert_eq!(lyrics["lyrics"]["value"], "You can dance\nyou can jive");
    // No lyrics, or no such song: `value` is there all the same, empty.
    for (artist, title) in [
        ("Ábba Example", "Money, Money"),
        ("Nobody", "Nothing"),
        ("", ""),
    ] {
        let none = c
            .json("getLyrics", &[("artist", artist), ("title", title)])
            .await;
        assert_eq!(none["lyrics"]["value"], "", "{artist} {title}: {none}");
        c.xml("getLyrics", &[("artist", artist), ("title", title)], true)
            .await;
    }

    // getAlbumList (folder-style) entries carry the name as title, album and name.
    let v1 = c.json("getAlbumList", &[("type", "newest")]).await;
    let entry = &v1["albumList"]["album"][0];
    for key in ["title", "album", "name"] {
        assert_eq!(entry[key], "Arrival & <Friends>", "{key}: {v1}");
    }
    assert_eq!(entry["isDir"], true);

    // Unknown ids and kinds: 70; missing parameters: 10.
    let missing = Id::new();
    for (method, params, code) in [
        ("getAlbum", vec![("id", format!("al-{missing}"))], 70),
        ("getAlbum", vec![("id", ar.clone())], 70),
        ("getArtist", vec![("id", "ar-garbage".to_owned())], 70),
        ("getSong", vec![], 10),
        ("getAlbumList2", vec![], 10),
        ("nonsense", vec![], 0),
    ] {
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let xml = c.xml(method, &params, false).await;
        assert!(xml.contains(&format!("code=\"{code}\"")), "{method}: {xml}");
    }

    // JSONP wraps the JSON in the callback; a callback that is not a plain name is ignored.
    let mut query = c.auth();
    query.extend([
        ("f".to_owned(), "jsonp".to_owned()),
        ("callback".to_owned(), "cb".to_owned()),
    ]);
    let jsonp = app
        .client
        .get(app.url("/rest/ping"))
        .query(&query)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        jsonp.starts_with("cb({\"subsonic-response\":") && jsonp.ends_with("});"),
        "{jsonp}"
    );
    // A POSTed form works like a query (OpenSubsonic formPost).
    let form: Vec<(String, String)> = c
        .auth()
        .into_iter()
        .chain([("f".to_owned(), "json".to_owned())])
        .collect();
    let posted: Value = app
        .client
        .post(app.url("/rest/ping.view"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted["subsonic-response"]["status"], "ok");
}

/// star/unstar are the likes and follows; scrobble writes play history and the play count.
async fn stars_and_scrobbles(app: &TestApp) {
    let lib = library(app).await;
    let anna = app.register("anna").await;
    let secret = app_password(app, &anna, "phone").await;
    let c = Client {
        app,
        username: "anna".into(),
        secret,
    };
    let tr = format!("tr-{}", lib.tracks[1]);
    let ar = format!("ar-{}", lib.artist);
    c.xml("star", &[("id", &tr), ("artistId", &ar)], true).await;
    let favorites: Value = app
        .get("/api/v1/me/favorites", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(favorites["items"][0]["id"], lib.tracks[1].to_string());
    let starred = c.json("getStarred2", &[]).await;
    assert_eq!(starred["starred2"]["song"][0]["id"], tr);
    assert!(starred["starred2"]["song"][0]["starred"].is_string());
    assert_eq!(starred["starred2"]["artist"][0]["id"], ar);
    c.xml("getStarred2", &[], true).await;
    let song = c.json("getSong", &[("id", &tr)]).await;
    assert!(song["song"]["starred"].is_string());

    // Albums are likeable: by albumId or by an al- id, twice is once; a request naming
    // unknown things besides stars what exists; one naming only unknown things fails (70).
    let al = format!("al-{}", lib.album);
    let unknown_song = format!("tr-{}", Id::new());
    let unknown_album = format!("al-{}", Id::new());
    c.xml(
        "star",
        &[
            ("albumId", &al),
            ("albumId", &unknown_album),
            ("id", &unknown_song),
            ("id", "garbage"),
        ],
        true,
    )
    .await;
    c.xml("star", &[("id", &al)], true).await;
    let starred = c.json("getStarred2", &[]).await;
    assert_eq!(starred["starred2"]["album"][0]["id"], al, "{starred}");
    assert!(starred["starred2"]["album"][0]["starred"].is_string());
    assert_eq!(starred["starred2"]["album"].as_array().unwrap().len(), 1);
    for method in ["getStarred", "getStarred2"] {
        c.xml(method, &[], true).await;
    }
    let v1 = c.json("getStarred", &[]).await;
    assert_eq!(v1["starred"]["album"][0]["id"], al, "{v1}");
    assert_eq!(v1["starred"]["album"][0]["isDir"], true);
    assert!(c.json("getAlbum", &[("id", &al)]).await["album"]["starred"].is_string());
    let listed = c.json("getAlbumList2", &[("type", "starred")]).await;
    assert_eq!(listed["albumList2"]["album"][0]["id"], al, "{listed}");
    c.xml("getAlbumList", &[("type", "starred")], true).await;
    // The native API sees the same like.
    let page: Value = app
        .get(&format!("/api/v1/albums/{}", lib.album), &anna.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["liked"], true, "{page}");
    let mine: Value = app
        .get("/api/v1/me/favorites/albums", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["id"], lib.album.to_string(), "{mine}");
    let nothing = c
        .xml(
            "star",
            &[("albumId", &unknown_album), ("id", &unknown_song)],
            false,
        )
        .await;
    assert!(nothing.contains("code=\"70\""), "{nothing}");
    let none = c.xml("star", &[], false).await;
    assert!(none.contains("code=\"10\""), "{none}");

    c.xml(
        "unstar",
        &[("id", &tr), ("artistId", &ar), ("albumId", &al)],
        true,
    )
    .await;
    let starred = c.json("getStarred2", &[]).await;
    assert!(starred["starred2"].get("song").is_none(), "{starred}");
    assert!(starred["starred2"].get("album").is_none(), "{starred}");
    // Unstarring what is not starred is done already.
    c.xml("unstar", &[("albumId", &al)], true).await;

    // Ratings: set, shown on the song, removed with 0; out of range refused.
    c.xml("setRating", &[("id", &tr), ("rating", "4")], true)
        .await;
    assert_eq!(
        c.json("getSong", &[("id", &tr)]).await["song"]["userRating"],
        4
    );
    let out_of_range = c
        .xml("setRating", &[("id", &tr), ("rating", "6")], false)
        .await;
    assert!(out_of_range.contains("code=\"0\""), "{out_of_range}");
    c.xml("setRating", &[("id", &tr), ("rating", "0")], true)
        .await;
    assert!(
        c.json("getSong", &[("id", &tr)]).await["song"]
            .get("userRating")
            .is_none()
    );
    let nothing = c
        .xml(
            "setRating",
            &[("id", &format!("tr-{}", Id::new())), ("rating", "3")],
            false,
        )
        .await;
    assert!(nothing.contains("code=\"70\""), "{nothing}");

    // OpenSubsonic lyrics by song id (JSON: the schema predates them).
    let first = format!("tr-{}", lib.tracks[0]);
    let lyrics = c.json("getLyricsBySongId", &[("id", &first)]).await;
    let structured = &lyrics["lyricsList"]["structuredLyrics"][0];
    assert_eq!(structured["synced"], false);
    assert_eq!(structured["line"][1]["value"], "you can jive");
    assert_eq!(structured["displayArtist"], "Ábba Example");

    // Now playing, then a submitted play.
    c.xml("scrobble", &[("id", &tr), ("submission", "false")], true)
        .await;
    let now = c.json("getNowPlaying", &[]).await;
    assert_eq!(now["nowPlaying"]["entry"][0]["username"], "anna");
    assert_eq!(now["nowPlaying"]["entry"][0]["id"], tr);
    c.xml("getNowPlaying", &[], true).await;
    let at = (chrono::Utc::now() - chrono::Duration::minutes(5))
        .timestamp_millis()
        .to_string();
    c.xml("scrobble", &[("id", &tr), ("time", &at)], true).await;
    let history: Value = app
        .get("/api/v1/me/history", &anna.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    assert_eq!(history["items"][0]["track_id"], lib.tracks[1].to_string());
    assert_eq!(history["items"][0]["duration_played"], 181);
    let track = app.storage.track(lib.tracks[1]).await.unwrap();
    assert_eq!(track.play_count, 1, "the trigger counted it");
    let bad = c
        .xml("scrobble", &[("id", &format!("tr-{}", Id::new()))], false)
        .await;
    assert!(bad.contains("code=\"70\""), "{bad}");

    // Users and scans: only admins see others or start scans.
    let ben = app.register("ben").await;
    let ben_secret = app_password(app, &ben, "phone").await;
    let b = Client {
        app,
        username: "ben".into(),
        secret: ben_secret,
    };
    let denied = b.xml("getUser", &[("username", "anna")], false).await;
    assert!(denied.contains("code=\"50\""), "{denied}");
    let scan = b.xml("startScan", &[], false).await;
    assert!(scan.contains("code=\"50\""), "{scan}");
    let me = b.json("getUser", &[("username", "ben")]).await;
    assert_eq!(me["user"]["adminRole"], false);
    assert_eq!(me["user"]["streamRole"], true);
    let admin = c.json("getUser", &[("username", "ben")]).await;
    assert_eq!(
        admin["user"]["username"], "ben",
        "anna, the first account, is an admin"
    );
    c.xml("startScan", &[], true).await;
}

/// The library folder of apps spawned with [`with_library`]: song paths are given below it.
pub(crate) fn library_folder(app: &TestApp) -> PathBuf {
    let folder = app.data_dir.path().join("data/music");
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// Configures [`library_folder`] as the library (scanned by the tests themselves).
pub(crate) fn with_library(config: &mut juke::config::Config) {
    config.library.folders = vec![config.data_dir.join("music")];
    config.library.scan_on_start = false;
    config.library.watch = false;
    config.library.scan_interval_minutes = 0;
}

/// The MusicBrainz recording id [`one_real_track`] is tagged with.
const TUNE_MBID: &str = "189002e7-3285-4e2e-92a3-7f6c30d407a2";

/// Scans one FLAC ("Tune" by "Band" on "Album", track 3 of disc 1, 2001, Jazz, with ReplayGain
/// and a MusicBrainz id; 16-bit stereo at 44.1 kHz) into the app: its id, album and bytes.
pub(crate) async fn one_real_track(app: &TestApp, music: &std::path::Path) -> (Id, Id, Vec<u8>) {
    let file = crate::audio::make(
        music,
        &crate::audio::Audio {
            path: "Band/Album/Tune.flac",
            seconds: 2.0,
            codec: &["-sample_fmt", "s16"],
            tags: &[
                ("title", "Tune"),
                ("artist", "Band"),
                ("album", "Album"),
                ("album_artist", "Band"),
                ("track", "3"),
                ("disc", "1"),
                ("date", "2001"),
                ("genre", "Jazz"),
                ("REPLAYGAIN_TRACK_GAIN", "-6.40 dB"),
                ("REPLAYGAIN_TRACK_PEAK", "0.988"),
                ("MUSICBRAINZ_TRACKID", TUNE_MBID),
            ],
        },
    );
    juke::library::scan::Scanner::new(app.storage.clone(), app.data_dir.path().join("data"))
        .scan(&[music.to_path_buf()], false, &|_| {})
        .await
        .unwrap();
    let bytes = std::fs::read(file).unwrap();
    let prefix = format!("{}/", std::fs::canonicalize(music).unwrap().display());
    let track = app.storage.known_files_under(&prefix).await.unwrap()[0].id;
    let album = app.storage.track(track).await.unwrap().album_id.unwrap();
    (track, album, bytes)
}

/// A real Subsonic client library from PyPI (py-sonic, in the venv `scripts/test` makes)
/// through a whole session: tests/subsonic/client.py.
async fn a_real_client_library_works_a_session(app: &TestApp) {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: scripts/test makes the venv and installs tests/requirements.txt",
        python.display()
    );
    let (_, _, bytes) = one_real_track(app, &library_folder(app)).await;
    let anna = app.register("anna").await;
    let secret = app_password(app, &anna, "py-sonic").await;
    // The scan above wrote behind the server's back: make the search index see the song.
    let started = Instant::now();
    while raw(
        app,
        "search3",
        &[("apiKey", secret.as_str()), ("query", "tune")],
    )
    .await["searchResult3"]
        .get("song")
        .is_none()
    {
        let track = app.storage.known_files_under("/").await.unwrap()[0].id;
        app.patch(
            &format!("/api/v1/tracks/{track}"),
            &anna.token,
            json!({"title": "Tune"}),
        )
        .await;
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the index never saw the song"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/subsonic/client.py");
    let output = tokio::process::Command::new(&python)
        .arg(script)
        .env("JUKE_URL", &app.base)
        .env("JUKE_USER", "anna")
        .env("JUKE_APP_PASSWORD", &secret)
        .env("EXPECT_BYTES", hex::encode(&bytes[..100]))
        .env("EXPECT_SIZE", bytes.len().to_string())
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("all client steps passed"),
        "the py-sonic session failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The song entry of every method that lists songs, for a real scanned file: each field
/// checked against the file and the OpenSubsonic documentation (`Child`), the same in every
/// method, the XML valid against the 1.16.1 schema (OpenSubsonic's additions are JSON-only).
async fn songs_carry_what_apps_need(app: &TestApp) {
    let (track, album, bytes) = one_real_track(app, &library_folder(app)).await;
    let anna = app.register("anna").await;
    let c = Client {
        app,
        username: "anna".into(),
        secret: app_password(app, &anna, "phone").await,
    };
    let tr = format!("tr-{track}");
    let al = format!("al-{album}");
    c.xml("star", &[("id", &tr)], true).await;
    c.xml("setRating", &[("id", &tr), ("rating", "4")], true)
        .await;
    c.xml("scrobble", &[("id", &tr)], true).await;
    c.xml("scrobble", &[("id", &tr), ("submission", "false")], true)
        .await;
    let made = c
        .json("createPlaylist", &[("name", "Mix"), ("songId", &tr)])
        .await;
    let playlist = made["playlist"]["id"].as_str().unwrap().to_owned();

    // (method, parameters, where the song is, whether the answer is the caller's own)
    type Source<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, bool);
    let ar = format!("ar-{}", app.storage.track(track).await.unwrap().artist_id);
    let sources: Vec<Source> = vec![
        ("getSong", vec![("id", &tr)], "/song", true),
        ("getAlbum", vec![("id", &al)], "/album/song/0", true),
        (
            "getMusicDirectory",
            vec![("id", &al)],
            "/directory/child/0",
            true,
        ),
        ("getRandomSongs", vec![], "/randomSongs/song/0", true),
        (
            "getSongsByGenre",
            vec![("genre", "Jazz")],
            "/songsByGenre/song/0",
            true,
        ),
        ("getStarred", vec![], "/starred/song/0", true),
        ("getStarred2", vec![], "/starred2/song/0", true),
        (
            "getPlaylist",
            vec![("id", &playlist)],
            "/playlist/entry/0",
            true,
        ),
        ("getNowPlaying", vec![], "/nowPlaying/entry/0", true),
        (
            "search2",
            vec![("query", "")],
            "/searchResult2/song/0",
            false,
        ),
        (
            "search3",
            vec![("query", "")],
            "/searchResult3/song/0",
            false,
        ),
    ];
    assert!(!ar.is_empty());
    let reference = c.json("getSong", &[("id", &tr)]).await["song"].clone();
    let song = &reference;
    // The file's own facts.
    assert_eq!(song["suffix"], "flac", "{song}");
    assert_eq!(song["contentType"], "audio/flac");
    assert_eq!(song["size"], bytes.len() as u64);
    assert_eq!(
        song["path"], "Band/Album/Tune.flac",
        "relative to the library folder"
    );
    assert_eq!(song["duration"], 2);
    assert!(song["bitRate"].as_i64().unwrap() > 0, "{song}");
    assert_eq!(song["samplingRate"], 44100);
    assert_eq!(song["channelCount"], 2);
    assert_eq!(song["bitDepth"], 16);
    // Its tags.
    assert_eq!(song["track"], 3);
    assert_eq!(song["discNumber"], 1);
    assert_eq!(song["year"], 2001);
    assert_eq!(song["genre"], "Jazz");
    assert_eq!(song["genres"], json!([{"name": "Jazz"}]));
    assert_eq!(song["musicBrainzId"], TUNE_MBID);
    assert_eq!(song["replayGain"]["trackGain"], -6.4);
    assert_eq!(song["replayGain"]["trackPeak"], 0.988);
    assert!(
        song["replayGain"].get("albumGain").is_none(),
        "absent values are omitted"
    );
    assert_eq!(song["artists"], json!([{"id": ar, "name": "Band"}]));
    assert_eq!(song["albumArtists"], json!([{"id": ar, "name": "Band"}]));
    assert_eq!(song["displayArtist"], "Band");
    assert_eq!(song["displayAlbumArtist"], "Band");
    assert_eq!(song["mediaType"], "song");
    assert_eq!(song["type"], "music");
    assert_eq!(song["isVideo"], false);
    assert_eq!(song["sortName"], "", "supported, unknown: empty");
    assert_eq!(song["isDir"], false);
    assert_eq!(song["albumId"], al);
    assert_eq!(song["coverArt"], al);
    // What this listener did, and the play count of everyone.
    assert_eq!(song["playCount"], 1);
    assert!(song["played"].as_str().unwrap().ends_with('Z'), "{song}");
    assert!(song["starred"].is_string());
    assert_eq!(song["userRating"], 4);

    let personal = ["starred", "userRating", "played"];
    for (method, params, at, own) in &sources {
        let answer = c.json(method, params).await;
        let entry = answer
            .pointer(at)
            .unwrap_or_else(|| panic!("{method}: {answer}"));
        for (key, value) in reference.as_object().unwrap() {
            if personal.contains(&key.as_str()) {
                if *own {
                    assert_eq!(&entry[key], value, "{method} {key}");
                } else {
                    // A shared answer (the same bytes for everyone) carries no one's own.
                    assert!(entry.get(key).is_none(), "{method} {key}: {entry}");
                }
            } else {
                assert_eq!(&entry[key], value, "{method} {key}");
            }
        }
        let xml = c.xml(method, params, true).await;
        assert!(xml.contains(r#"suffix="flac""#), "{method}: {xml}");
        assert!(xml.contains(r#"contentType="audio/flac""#), "{method}");
        assert!(xml.contains(r#"path="Band/Album/Tune.flac""#), "{method}");
        assert!(
            xml.contains(&format!(r#"size="{}""#, bytes.len())),
            "{method}"
        );
        assert!(!xml.contains("samplingRate"), "JSON-only: {method}");
    }
    // Another listener sees the counts, not Anna's star, rating or last play.
    let ben = app.register("ben").await;
    let b = Client {
        app,
        username: "ben".into(),
        secret: app_password(app, &ben, "phone").await,
    };
    let seen = b.json("getSong", &[("id", &tr)]).await["song"].clone();
    assert_eq!(seen["playCount"], 1);
    for key in personal {
        assert!(seen.get(key).is_none(), "{key}: {seen}");
    }
}

/// The npm `subsonic-api` client library through a session (tests/e2e/subsonic-client.mjs):
/// song fields, album stars, form POSTs with an API key and a ranged stream.
async fn the_npm_client_library_works_a_session(app: &TestApp) {
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    assert!(
        e2e.join("node_modules/subsonic-api").exists(),
        "tests/e2e/node_modules/subsonic-api is missing: scripts/test runs `npm ci` in tests/e2e"
    );
    let (_, _, bytes) = one_real_track(app, &library_folder(app)).await;
    let anna = app.register("anna").await;
    let secret = app_password(app, &anna, "subsonic-api").await;
    let output = tokio::process::Command::new("node")
        .arg("subsonic-client.mjs")
        .current_dir(&e2e)
        .env("JUKE_URL", &app.base)
        .env("JUKE_USER", "anna")
        .env("JUKE_APP_PASSWORD", &secret)
        .env("EXPECT_BYTES", hex::encode(&bytes[..100]))
        .env("EXPECT_SIZE", bytes.len().to_string())
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("all subsonic-api steps passed"),
        "the subsonic-api session failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// stream (with a range), download, getCoverArt and getAvatar answer media; their failures
/// are documents.
async fn streams_and_serves_art(app: &TestApp) {
    let music = tempfile::tempdir().unwrap();
    let (track, album, bytes) = one_real_track(app, music.path()).await;
    let anna = app.register("anna").await;
    let secret = app_password(app, &anna, "phone").await;
    let c = Client {
        app,
        username: "anna".into(),
        secret,
    };
    let tr = format!("tr-{track}");
    let get = |method: &str, extra: Vec<(String, String)>| {
        let mut query = c.auth();
        query.extend(extra);
        app.client
            .get(app.url(&format!("/rest/{method}")))
            .query(&query)
    };
    let streamed = get("stream", vec![("id".into(), tr.clone())])
        .header("Range", "bytes=10-99")
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(streamed.bytes().await.unwrap(), bytes[10..100]);
    // The same as a form POST (OpenSubsonic formPost): the parameters in the body, the range
    // honoured exactly as with GET, for stream and download.
    for method in ["stream", "download", "stream.view"] {
        let mut form = c.auth();
        form.push(("id".into(), tr.clone()));
        let posted = app
            .client
            .post(app.url(&format!("/rest/{method}")))
            .form(&form)
            .header("Range", "bytes=10-99")
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), StatusCode::PARTIAL_CONTENT, "{method}");
        assert_eq!(
            posted.headers()["content-range"],
            format!("bytes 10-99/{}", bytes.len()),
            "{method}"
        );
        assert_eq!(posted.bytes().await.unwrap(), bytes[10..100], "{method}");
        let whole = app
            .client
            .post(app.url(&format!("/rest/{method}")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(whole.status(), StatusCode::OK, "{method}");
        assert_eq!(whole.bytes().await.unwrap(), bytes, "{method}");
    }
    let whole = get("download", vec![("id".into(), tr.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert!(
        whole.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(whole.bytes().await.unwrap(), bytes);
    let transcoded = get(
        "stream",
        vec![("id".into(), tr.clone()), ("format".into(), "mp3".into())],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(transcoded.status(), StatusCode::OK);
    assert_eq!(transcoded.headers()["content-type"], "audio/mpeg");
    for cover in [format!("al-{album}"), tr.clone()] {
        let art = get(
            "getCoverArt",
            vec![("id".into(), cover), ("size".into(), "64".into())],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(art.status(), StatusCode::OK);
        assert!(
            art.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("image/")
        );
    }
    let avatar = get("getAvatar", vec![("username".into(), "anna".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(avatar.headers()["content-type"], "image/png");
    // Failures are Subsonic documents, valid against the schema.
    let missing = get("stream", vec![("id".into(), format!("tr-{}", Id::new()))])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    validate(&missing, "stream of nothing");
    assert!(missing.contains("code=\"70\""), "{missing}");
    let no_id = get("getCoverArt", vec![])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    validate(&no_id, "getCoverArt without id");
    assert!(no_id.contains("code=\"10\""), "{no_id}");
}

/// Playlists keep the native rules: private stays private, collaborative lets others add,
/// only the owner renames or deletes.
async fn playlists_keep_their_rules(app: &TestApp) {
    let lib = library(app).await;
    let anna = app.register("anna").await;
    let ben = app.register("ben").await;
    let a = Client {
        app,
        username: "anna".into(),
        secret: app_password(app, &anna, "phone").await,
    };
    let b = Client {
        app,
        username: "ben".into(),
        secret: app_password(app, &ben, "phone").await,
    };
    let songs: Vec<String> = lib.tracks.iter().map(|t| format!("tr-{t}")).collect();
    let created = a
        .xml(
            "createPlaylist",
            &[
                ("name", "Road trip"),
                ("songId", &songs[0]),
                ("songId", &songs[1]),
            ],
            true,
        )
        .await;
    assert!(created.contains("songCount=\"2\""), "{created}");
    let made = a.json("getPlaylists", &[]).await;
    let id = made["playlists"]["playlist"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.starts_with("pl-"));
    assert_eq!(made["playlists"]["playlist"][0]["owner"], "anna");
    a.xml("getPlaylist", &[("id", &id)], true).await;

    // Private: Ben neither sees nor changes it.
    assert!(
        b.json("getPlaylists", &[]).await["playlists"]
            .get("playlist")
            .is_none()
    );
    let hidden = b.xml("getPlaylist", &[("id", &id)], false).await;
    assert!(hidden.contains("code=\"70\""), "{hidden}");
    let refused = b
        .xml(
            "updatePlaylist",
            &[("playlistId", &id), ("songIdToAdd", &songs[2])],
            false,
        )
        .await;
    assert!(refused.contains("code=\"70\""), "{refused}");

    // Public: Ben reads it but may not add; collaborative: he may add, not rename.
    a.xml(
        "updatePlaylist",
        &[
            ("playlistId", &id),
            ("public", "true"),
            ("comment", "for the car"),
        ],
        true,
    )
    .await;
    b.xml("getPlaylist", &[("id", &id)], true).await;
    let read_only = b
        .xml(
            "updatePlaylist",
            &[("playlistId", &id), ("songIdToAdd", &songs[2])],
            false,
        )
        .await;
    assert!(read_only.contains("code=\"50\""), "{read_only}");
    app.patch(
        &format!("/api/v1/playlists/{}", &id[3..]),
        &anna.token,
        json!({"is_collaborative": true}),
    )
    .await;
    b.xml(
        "updatePlaylist",
        &[("playlistId", &id), ("songIdToAdd", &songs[2])],
        true,
    )
    .await;
    let rename = b
        .xml(
            "updatePlaylist",
            &[("playlistId", &id), ("name", "Mine now")],
            false,
        )
        .await;
    assert!(rename.contains("code=\"50\""), "{rename}");
    let detail = a.json("getPlaylist", &[("id", &id)]).await;
    let entries: Vec<&str> = detail["playlist"]["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        entries,
        [songs[0].as_str(), songs[1].as_str(), songs[2].as_str()]
    );
    assert_eq!(detail["playlist"]["comment"], "for the car");
    assert_eq!(detail["playlist"]["public"], true);

    // Remove by index, rename; the native API sees the same playlist.
    a.xml(
        "updatePlaylist",
        &[
            ("playlistId", &id),
            ("songIndexToRemove", "0"),
            ("name", "Road trip 2"),
        ],
        true,
    )
    .await;
    let native: Value = app
        .get(&format!("/api/v1/playlists/{}", &id[3..]), &anna.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(native["name"], "Road trip 2");
    assert_eq!(native["track_count"], 2);
    assert_eq!(
        native["tracks"][0]["track"]["id"],
        lib.tracks[1].to_string()
    );
    let bad = a
        .xml(
            "updatePlaylist",
            &[("playlistId", &id), ("songIndexToRemove", "9")],
            false,
        )
        .await;
    assert!(bad.contains("code=\"70\""), "{bad}");

    // Replace all songs; then only the owner deletes.
    let replaced = a
        .json(
            "createPlaylist",
            &[("playlistId", &id), ("songId", &songs[3])],
        )
        .await;
    assert_eq!(replaced["playlist"]["songCount"], 1, "{replaced}");
    let not_yours = b.xml("deletePlaylist", &[("id", &id)], false).await;
    assert!(not_yours.contains("code=\"50\""), "{not_yours}");
    a.xml("deletePlaylist", &[("id", &id)], true).await;
    let gone = a.xml("getPlaylist", &[("id", &id)], false).await;
    assert!(gone.contains("code=\"70\""), "{gone}");
}

http_on_both_engines!(
    signs_in_with_app_passwords_only,
    browses_the_library,
    stars_and_scrobbles,
    streams_and_serves_art,
    playlists_keep_their_rules,
    a_real_client_library_works_a_session with super::with_library,
    songs_carry_what_apps_need with super::with_library,
    the_npm_client_library_works_a_session with super::with_library,
);
