//! Search at scale: a synthetic library of 1,000,000 tracks (plus 100,000 albums and 20,000
//! artists) indexed by each engine, then the same as-you-type queries asked of each.
//!
//! Usage (release build; see BENCHMARKS.md):
//!   cargo run --release --example search_index -- [--tracks 1000000] [--queries 1000]
//!       [--db-queries 300] [--engines tantivy,sqlite,postgres] [--postgres-url URL] [--dir DIR]
//!
//! Figures per engine: build time and documents/s (tantivy: from documents in memory to a
//! committed index; database engines: rows written to `search_documents` with their full-text
//! index), size on disk (tantivy; SQLite: the whole file; PostgreSQL: the table with its
//! indexes), and p50/p99/max latency of 1–3-word queries whose last word is cut short as if
//! still being typed, each asking all three kinds, 20 results each (the API's default).
//! Queries are drawn from the library's own words with a fixed seed, so every engine gets the
//! same list; the first 50 are a warm-up and are not counted.

// A benchmark run stops at the first failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use juke::config::{Config, SearchEngine};
use juke::search::{Search, SearchRequest};
use juke::storage::{CatalogChange, Id, SearchEntity, SearchKind, Storage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "ten", "sho", "vel", "dri", "an", "mor", "qui", "zu", "bel", "cor",
    "dan", "el", "fa", "gri", "ho", "is", "ja", "kri", "lum", "ne", "os", "pa", "ru", "sa", "tor",
    "ul", "vi", "wen", "xa", "yo", "zen", "bro", "cla", "fle", "glo", "stra",
];
const GENRES: &[&str] = &[
    "Rock",
    "Jazz",
    "Folk",
    "Electronic",
    "Classical",
    "Hip-Hop",
    "Metal",
    "Pop",
    "Blues",
    "Soul",
    "Reggae",
    "Punk",
    "Ambient",
    "Country",
    "Funk",
    "Disco",
    "House",
    "Techno",
    "Indie",
    "Latin",
];

struct Args {
    tracks: usize,
    queries: usize,
    db_queries: usize,
    engines: Vec<String>,
    postgres_url: Option<String>,
    dir: PathBuf,
}

fn args() -> Args {
    let mut args = Args {
        tracks: 1_000_000,
        queries: 1_000,
        db_queries: 300,
        engines: vec!["tantivy".into(), "sqlite".into(), "postgres".into()],
        postgres_url: std::env::var("TEST_POSTGRES_URL").ok(),
        dir: std::env::temp_dir().join("juke-search-bench"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--tracks" => args.tracks = value.parse().expect("--tracks N"),
            "--queries" => args.queries = value.parse().expect("--queries N"),
            "--db-queries" => args.db_queries = value.parse().expect("--db-queries N"),
            "--engines" => args.engines = value.split(',').map(str::to_owned).collect(),
            "--postgres-url" => args.postgres_url = Some(value),
            "--dir" => args.dir = PathBuf::from(value),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

fn word(rng: &mut StdRng) -> String {
    let n = rng.random_range(2..=4);
    let mut w = String::new();
    for _ in 0..n {
        w.push_str(SYLLABLES[rng.random_range(0..SYLLABLES.len())]);
    }
    w
}

fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn name(rng: &mut StdRng, vocabulary: &[String], words: std::ops::RangeInclusive<usize>) -> String {
    let n = rng.random_range(words);
    (0..n)
        .map(|_| capitalised(&vocabulary[rng.random_range(0..vocabulary.len())]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The library: tracks, then albums, then artists, with summaries the size of real ones.
fn library(tracks: usize) -> Vec<SearchEntity> {
    let mut rng = StdRng::seed_from_u64(7);
    let vocabulary: Vec<String> = (0..20_000).map(|_| word(&mut rng)).collect();
    let n_artists = (tracks / 50).max(1);
    let n_albums = (tracks / 10).max(1);
    let artists: Vec<(Id, String)> = (0..n_artists)
        .map(|_| (Id::new(), name(&mut rng, &vocabulary, 1..=3)))
        .collect();
    let albums: Vec<(Id, String, usize, &str)> = (0..n_albums)
        .map(|i| {
            (
                Id::new(),
                name(&mut rng, &vocabulary, 1..=4),
                i % n_artists,
                GENRES[rng.random_range(0..GENRES.len())],
            )
        })
        .collect();
    let mut out = Vec::with_capacity(tracks + n_albums + n_artists);
    for i in 0..tracks {
        let (album_id, album_title, artist, genre) = &albums[i / 10 % n_albums];
        let (artist_id, artist_name) = &artists[*artist];
        let title = name(&mut rng, &vocabulary, 1..=5);
        // Plays fall off steeply, as they do: most tracks are rarely played.
        let plays = (1000.0 / (1.0 + rng.random_range(0.0..1000.0f64))) as i64;
        let id = Id::new();
        let summary = serde_json::json!({
            "id": id, "title": title, "artist_id": artist_id, "artist_name": artist_name,
            "album_id": album_id, "album_title": album_title, "duration_seconds": 200,
            "track_number": i % 10 + 1, "disc_number": 1, "genre": genre, "year": 1990,
            "play_count": plays, "like_count": 0, "is_available": true, "is_explicit": false,
            "created_at": "2026-11-26T00:00:00Z",
        });
        out.push(SearchEntity {
            kind: SearchKind::Track,
            id,
            name: title,
            context: vec![artist_name.clone(), album_title.clone(), genre.to_string()],
            popularity: plays,
            summary: Bytes::from(summary.to_string()),
            parents: vec![
                CatalogChange::Album(*album_id),
                CatalogChange::Artist(*artist_id),
            ],
        });
    }
    for (id, title, artist, genre) in &albums {
        let (artist_id, artist_name) = &artists[*artist];
        let summary = serde_json::json!({
            "id": id, "title": title, "artist_id": artist_id, "artist_name": artist_name,
            "genre": genre, "total_tracks": 10, "play_count": 0, "like_count": 0,
        });
        out.push(SearchEntity {
            kind: SearchKind::Album,
            id: *id,
            name: title.clone(),
            context: vec![artist_name.clone(), genre.to_string()],
            popularity: 0,
            summary: Bytes::from(summary.to_string()),
            parents: vec![CatalogChange::Artist(*artist_id)],
        });
    }
    for (id, artist_name) in &artists {
        let summary =
            serde_json::json!({"id": id, "name": artist_name, "album_count": 5, "track_count": 50});
        out.push(SearchEntity {
            kind: SearchKind::Artist,
            id: *id,
            name: artist_name.clone(),
            context: Vec::new(),
            popularity: 0,
            summary: Bytes::from(summary.to_string()),
            parents: Vec::new(),
        });
    }
    out
}

/// 1–3 consecutive words of a random track's title or artist, the last cut to 2+ letters.
fn queries(library: &[SearchEntity], count: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(11);
    let tracks: Vec<&SearchEntity> = library
        .iter()
        .filter(|e| e.kind == SearchKind::Track)
        .collect();
    (0..count)
        .map(|_| {
            let t = tracks[rng.random_range(0..tracks.len())];
            let source = if rng.random_bool(0.7) {
                &t.name
            } else {
                &t.context[0]
            };
            let words: Vec<&str> = source.split(' ').collect();
            let n = rng.random_range(1..=words.len().min(3));
            let start = rng.random_range(0..=words.len() - n);
            let mut picked: Vec<String> = words[start..start + n]
                .iter()
                .map(|w| w.to_lowercase())
                .collect();
            if let Some(last) = picked.last_mut() {
                let keep = rng.random_range(2..=last.len().max(2));
                last.truncate(keep.min(last.len()));
            }
            picked.join(" ")
        })
        .collect()
}

fn dir_size(path: &Path) -> u64 {
    walk(path)
}

fn walk(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    };
    entries.flatten().map(|e| walk(&e.path())).sum()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn measure(search: &Search, queries: &[String]) -> (Duration, Duration, Duration, f64) {
    const WARM_UP: usize = 50;
    let mut times = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for (i, q) in queries.iter().enumerate() {
        let request = SearchRequest::everything(q, 20);
        let start = Instant::now();
        let found = search.query(&request).await.expect("search");
        let took = start.elapsed();
        if i >= WARM_UP.min(queries.len() / 2) {
            times.push(took);
            hits += found.tracks.len() + found.albums.len() + found.artists.len();
        }
    }
    times.sort();
    (
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        *times.last().expect("queries"),
        hits as f64 / times.len() as f64,
    )
}

async fn build(search: &Search, library: &[SearchEntity], batch: usize) -> Duration {
    // Copies made before the clock starts: the index is timed, not the copying.
    let chunks: Vec<Vec<SearchEntity>> = library.chunks(batch).map(<[_]>::to_vec).collect();
    let start = Instant::now();
    for chunk in chunks {
        search.write(chunk, Vec::new()).await.expect("write");
    }
    search.commit(Utc::now()).await.expect("commit");
    start.elapsed()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir).expect("clear the work folder");
    }
    std::fs::create_dir_all(&args.dir).expect("work folder");
    let started = Instant::now();
    let library = library(args.tracks);
    let docs = library.len();
    println!(
        "library: {} tracks, {docs} documents in all, generated in {:.1} s",
        args.tracks,
        started.elapsed().as_secs_f64()
    );
    let queries = queries(&library, args.queries);
    println!(
        "queries: {} (e.g. {:?}, {:?}, {:?})",
        queries.len(),
        queries[0],
        queries[1],
        queries[2]
    );
    let mut p99s: Vec<(String, Duration)> = Vec::new();

    for engine in &args.engines {
        let (search, storage, size_of): (Search, Storage, Box<dyn Fn() -> u64>) =
            match engine.as_str() {
                "tantivy" => {
                    let storage = sqlite(&args.dir.join("tantivy.db")).await;
                    let path = args.dir.join("index");
                    let (search, _) = Search::open_tantivy(&path, storage.clone())
                        .await
                        .expect("open index");
                    (search, storage, Box::new(move || dir_size(&path)))
                }
                "sqlite" => {
                    let file = args.dir.join("database.db");
                    let storage = sqlite(&file).await;
                    let search = database_engine(&args.dir, storage.clone()).await;
                    let dir = args.dir.clone();
                    (
                        search,
                        storage,
                        Box::new(move || {
                            ["database.db", "database.db-wal"]
                                .iter()
                                .map(|f| dir_size(&dir.join(f)))
                                .sum()
                        }),
                    )
                }
                "postgres" => {
                    let Some(url) = args.postgres_url.clone() else {
                        println!("postgres: skipped (no --postgres-url or TEST_POSTGRES_URL)");
                        continue;
                    };
                    let storage = Storage::connect(&url).await.expect("connect to PostgreSQL");
                    storage.migrate().await.expect("migrate");
                    storage.search_documents_clear().await.expect("clear");
                    let search = database_engine(&args.dir, storage.clone()).await;
                    (search, storage, Box::new(|| 0))
                }
                other => panic!("unknown engine {other}"),
            };
        let batch = if engine == "tantivy" { 10_000 } else { 5_000 };
        let took = build(&search, &library, batch).await;
        let size = if engine == "postgres" {
            storage.search_documents_size().await.expect("size") as u64
        } else {
            size_of()
        };
        println!(
            "{engine}: built {docs} documents in {:.1} s = {:.0} docs/s; {:.0} MiB on disk",
            took.as_secs_f64(),
            docs as f64 / took.as_secs_f64(),
            size as f64 / (1024.0 * 1024.0)
        );
        let asked = if engine == "tantivy" {
            &queries[..]
        } else {
            &queries[..args.db_queries.min(queries.len())]
        };
        let (p50, p99, max, hits) = measure(&search, asked).await;
        println!(
            "{engine}: {} queries: p50 {}, p99 {}, max {}; {hits:.1} results per query",
            asked.len(),
            ms(p50),
            ms(p99),
            ms(max)
        );
        p99s.push((engine.clone(), p99));
        drop(search);
        storage.close().await;
    }
    if let Some((_, base)) = p99s.iter().find(|(e, _)| e == "tantivy") {
        for (engine, p99) in &p99s {
            println!(
                "p99 {engine} / tantivy: {:.1}x",
                p99.as_secs_f64() / base.as_secs_f64()
            );
        }
    }
}

async fn sqlite(file: &Path) -> Storage {
    let storage = Storage::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("open SQLite");
    storage.migrate().await.expect("migrate");
    storage
}

async fn database_engine(dir: &Path, storage: Storage) -> Search {
    let mut config = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    config.search.engine = SearchEngine::Database;
    Search::open(&config, storage)
        .await
        .expect("open database engine")
        .0
}
