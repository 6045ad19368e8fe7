//! The tantivy index in `<data_dir>/index`: one document per searchable track, album and
//! artist, and the queries that rank them.
//!
//! Ranking is by tier, then popularity, then name. Each tier is a constant-score query and a
//! document collects the scores of every tier it meets; a higher tier implies every lower one
//! (an exact name is a phrase, a phrase has all its words, a word is its own prefix and its
//! own one-typo neighbour), so the sums order the tiers strictly:
//!
//! | tier                                   | adds | total |
//! |----------------------------------------|------|-------|
//! | the name is exactly what was asked     | 16   | 31    |
//! | the words are a phrase in the name     | 8    | 15    |
//! | every word, anywhere                   | 4    | 7     |
//! | every word, the last as typed so far   | 2    | 3     |
//! | every word within one typo (4+ letters)| 1    | 1     |
//!
//! Popularity adds less than one, so it orders within a tier only; ties go by name.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term,
};

use super::text::{self, FUZZY_MIN_CHARS, Word};
use super::{Hits, SearchError, SearchRequest};
use crate::storage::{Id, SearchEntity, SearchKind};

/// Bumped whenever the fields or the word rules change: an index of another version is
/// rebuilt at start.
pub const SCHEMA_VERSION: u32 = 1;

/// What each commit records: the schema it was written with and how far the catalog was in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub schema: u32,
    /// Every catalog change before this moment is in the index.
    pub caught_up: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    kind: Field,
    name: Field,
    all: Field,
    name_key: Field,
    popularity: Field,
    sort_name: Field,
    summary: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // Words are cut by `search::text`, handed over pre-tokenized; the tokenizer named here is
    // never used.
    let with_positions = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let words_only = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        id: builder.add_text_field("id", STRING),
        kind: builder.add_text_field("kind", STRING),
        name: builder.add_text_field("name", with_positions),
        all: builder.add_text_field("all", words_only),
        name_key: builder.add_text_field("name_key", STRING),
        popularity: builder.add_u64_field("popularity", FAST | INDEXED),
        sort_name: builder.add_text_field("sort_name", STORED),
        summary: builder.add_bytes_field("summary", STORED),
    };
    (builder.build(), fields)
}

pub struct TantivyIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    path: PathBuf,
}

/// How an existing index was found when opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// Readable, of this schema, caught up to its checkpoint.
    Current(Checkpoint),
    /// Missing, unreadable or of another schema: created empty, to be filled.
    Fresh(&'static str),
}

impl TantivyIndex {
    /// Opens the index in `path`, or makes a new empty one there when it is missing, corrupt
    /// or of another schema version (the old files are removed: the database has everything).
    pub fn open(
        path: &Path,
        writer_memory: usize,
    ) -> Result<(Arc<TantivyIndex>, Opened), SearchError> {
        // tantivy trusts its own files: a damaged one can panic rather than fail. Either way
        // the index is rebuilt from the database, which has everything.
        let existing = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Self::open_existing(path, writer_memory)
        }));
        match existing {
            Ok(Ok(Some(found))) => return Ok(found),
            Ok(Ok(None)) => {}
            Ok(Err(err)) => {
                tracing::warn!(path = %path.display(), error = %err, "search index unreadable; rebuilding it");
            }
            Err(_) => {
                tracing::warn!(path = %path.display(), "search index damaged; rebuilding it");
            }
        }
        let why = if path.join("meta.json").exists() {
            "unreadable or of an older version"
        } else {
            "missing"
        };
        if path.exists() {
            std::fs::remove_dir_all(path)?;
        }
        std::fs::create_dir_all(path)?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(path, schema)?;
        let opened = Self::finish(index, fields, path, writer_memory)?;
        Ok((Arc::new(opened), Opened::Fresh(why)))
    }

    fn open_existing(
        path: &Path,
        writer_memory: usize,
    ) -> Result<Option<(Arc<TantivyIndex>, Opened)>, SearchError> {
        if !path.join("meta.json").exists() {
            return Ok(None);
        }
        let index = Index::open_in_dir(path)?;
        let checkpoint = index
            .load_metas()?
            .payload
            .and_then(|payload| serde_json::from_str::<Checkpoint>(&payload).ok());
        let Some(checkpoint) = checkpoint.filter(|c| c.schema == SCHEMA_VERSION) else {
            return Ok(None);
        };
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Ok(None);
        }
        let opened = Self::finish(index, fields, path, writer_memory)?;
        // Opening a reader reads every segment's files: a damaged one fails here, not later.
        opened.count(SearchKind::Track)?;
        Ok(Some((Arc::new(opened), Opened::Current(checkpoint))))
    }

    fn finish(
        index: Index,
        fields: Fields,
        path: &Path,
        writer_memory: usize,
    ) -> Result<TantivyIndex, SearchError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let writer =
            index.writer_with_num_threads(threads, writer_memory.max(threads * 16_000_000))?;
        Ok(TantivyIndex {
            reader,
            writer: Mutex::new(writer),
            fields,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn id_term(&self, id: Id) -> Term {
        Term::from_field_text(self.fields.id, &id.to_string())
    }

    /// Queues documents (replacing any of the same id) and removals; [`TantivyIndex::commit`]
    /// makes them visible.
    pub fn write(&self, upserts: &[SearchEntity], removals: &[Id]) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        for id in removals {
            writer.delete_term(self.id_term(*id));
        }
        for entity in upserts {
            writer.delete_term(self.id_term(entity.id));
            writer.add_document(self.document(entity))?;
        }
        Ok(())
    }

    /// Empties the index (seen at the next commit: searches answer from the old one until then).
    pub fn clear(&self) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        writer.delete_all_documents()?;
        Ok(())
    }

    /// Makes everything written so far durable and searchable, recording the checkpoint.
    pub fn commit(&self, checkpoint: &Checkpoint) -> Result<(), SearchError> {
        let payload =
            serde_json::to_string(checkpoint).map_err(|err| SearchError::Index(err.to_string()))?;
        {
            let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Searchable documents of a kind.
    pub fn count(&self, kind: SearchKind) -> Result<u64, SearchError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.kind, kind.as_str()),
            IndexRecordOption::Basic,
        );
        Ok(query.count(&searcher)? as u64)
    }

    fn document(&self, entity: &SearchEntity) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, entity.id.to_string());
        doc.add_text(f.kind, entity.kind.as_str());
        doc.add_pre_tokenized_text(
            f.name,
            pre_tokenized(&entity.name, text::index_words(&entity.name)),
        );
        let mut all = text::index_words(&entity.name);
        for context in &entity.context {
            // A gap between fields keeps a phrase from running across two names.
            let base = all.last().map_or(0, |w| w.position + 2);
            all.extend(text::index_words(context).into_iter().map(|w| Word {
                text: w.text,
                position: w.position + base,
            }));
        }
        doc.add_pre_tokenized_text(f.all, pre_tokenized("", all));
        doc.add_text(f.name_key, text::name_key(&entity.name));
        doc.add_u64(f.popularity, entity.popularity.max(0) as u64);
        doc.add_text(f.sort_name, text::fold(&entity.name));
        doc.add_bytes(f.summary, &entity.summary);
        doc
    }

    /// The best documents of each asked kind. A panic inside tantivy (files damaged while
    /// open) is an error for this request, not a dead worker.
    pub fn search(&self, request: &SearchRequest) -> Result<Hits, SearchError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.search_unguarded(request)
        }))
        .unwrap_or_else(|_| {
            Err(SearchError::Index(
                "the search index is damaged; restart to rebuild it".into(),
            ))
        })
    }

    fn search_unguarded(&self, request: &SearchRequest) -> Result<Hits, SearchError> {
        let mut hits = Hits::default();
        let words = text::query_words(&request.text);
        if words.is_empty() {
            return Ok(hits);
        }
        let searcher = self.reader.searcher();
        for kind in request.kinds() {
            let query = self.ranked_query(kind, &words, &text::name_key(&request.text));
            // More than asked, so that ties at the cut are settled by name, not by storage order.
            let fetch = request.limit * 2 + 10;
            let collector =
                TopDocs::with_limit(fetch).tweak_score(move |segment: &tantivy::SegmentReader| {
                    let plays = segment
                        .fast_fields()
                        .u64("popularity")
                        .ok()
                        .map(|column| column.first_or_default_col(0));
                    move |doc: tantivy::DocId, score: Score| {
                        let p = plays.as_ref().map_or(0, |c| c.get_val(doc)) as f32;
                        score + 0.9 * p / (p + 10.0)
                    }
                });
            let top: Vec<(Score, DocAddress)> = searcher.search(&query, &collector)?;
            let mut found: Vec<(Score, String, Bytes)> = Vec::with_capacity(top.len());
            for (score, address) in top {
                let doc: TantivyDocument = searcher.doc(address)?;
                let sort_name = doc
                    .get_first(self.fields.sort_name)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let Some(summary) = doc
                    .get_first(self.fields.summary)
                    .and_then(|v| v.as_bytes())
                else {
                    continue;
                };
                found.push((score, sort_name, Bytes::copy_from_slice(summary)));
            }
            found.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            found.truncate(request.limit);
            *hits.of_mut(kind) = found.into_iter().map(|(_, _, json)| json).collect();
        }
        Ok(hits)
    }

    fn ranked_query(&self, kind: SearchKind, words: &[Word], key: &str) -> BooleanQuery {
        let f = &self.fields;
        let all = |w: &Word| Term::from_field_text(f.all, &w.text);
        let term =
            |t: Term| -> Box<dyn Query> { Box::new(TermQuery::new(t, IndexRecordOption::Basic)) };
        let constant = |q: Box<dyn Query>, score: Score| -> (Occur, Box<dyn Query>) {
            (Occur::Should, Box::new(ConstScoreQuery::new(q, score)))
        };
        let last = words.len() - 1;
        let fuzzy_ok = |w: &Word| w.text.chars().count() >= FUZZY_MIN_CHARS;

        let exact_name = term(Term::from_field_text(f.name_key, key));
        let phrase_name: Box<dyn Query> = if words.len() == 1 {
            term(Term::from_field_text(f.name, &words[0].text))
        } else {
            let first = words[0].position as usize;
            Box::new(PhraseQuery::new_with_offset(
                words
                    .iter()
                    .map(|w| {
                        (
                            w.position as usize - first,
                            Term::from_field_text(f.name, &w.text),
                        )
                    })
                    .collect(),
            ))
        };
        let every_word =
            BooleanQuery::new(words.iter().map(|w| (Occur::Must, term(all(w)))).collect());
        let every_word_prefix = BooleanQuery::new(
            words
                .iter()
                .enumerate()
                .map(|(i, w)| -> (Occur, Box<dyn Query>) {
                    if i == last {
                        (
                            Occur::Must,
                            Box::new(FuzzyTermQuery::new_prefix(all(w), 0, true)),
                        )
                    } else {
                        (Occur::Must, term(all(w)))
                    }
                })
                .collect(),
        );
        let within_a_typo = BooleanQuery::new(
            words
                .iter()
                .enumerate()
                .map(|(i, w)| -> (Occur, Box<dyn Query>) {
                    let mut options: Vec<(Occur, Box<dyn Query>)> =
                        vec![(Occur::Should, term(all(w)))];
                    if i == last {
                        options.push((
                            Occur::Should,
                            Box::new(FuzzyTermQuery::new_prefix(all(w), 0, true)),
                        ));
                    }
                    if fuzzy_ok(w) {
                        let fuzzy = if i == last {
                            FuzzyTermQuery::new_prefix(all(w), 1, true)
                        } else {
                            FuzzyTermQuery::new(all(w), 1, true)
                        };
                        options.push((Occur::Should, Box::new(fuzzy)));
                    }
                    (Occur::Must, Box::new(BooleanQuery::new(options)))
                })
                .collect(),
        );
        let kind_only =
            ConstScoreQuery::new(term(Term::from_field_text(f.kind, kind.as_str())), 0.0);
        BooleanQuery::new(vec![
            (Occur::Must, Box::new(kind_only)),
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(within_a_typo), 1.0)),
            ),
            constant(Box::new(every_word_prefix), 2.0),
            constant(Box::new(every_word), 4.0),
            constant(phrase_name, 8.0),
            constant(exact_name, 16.0),
        ])
    }
}

fn pre_tokenized(text: &str, words: Vec<Word>) -> PreTokenizedString {
    PreTokenizedString {
        text: text.to_owned(),
        tokens: words
            .into_iter()
            .map(|w| Token {
                offset_from: 0,
                offset_to: 0,
                position: w.position as usize,
                text: w.text,
                position_length: 1,
            })
            .collect(),
    }
}
