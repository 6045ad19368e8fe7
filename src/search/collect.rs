//! One collector for all three kinds: the best documents of each, in one pass over the matches.
//!
//! Each document carries one fast number, `rank` = plays × 4 + kind, so telling its kind and
//! weighing its popularity costs one column read per match (three stock collectors cost six).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{ColumnIndex, ColumnValues};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

pub const RANK_FIELD: &str = "rank";
const KINDS: usize = 3;

/// The fast value a document is indexed with.
pub fn rank(kind_code: u64, popularity: i64) -> u64 {
    let plays = (popularity.max(0) as u64).min(u64::MAX >> 2);
    (plays << 2) | kind_code
}

/// Popularity adds less than one point, so it orders within a tier and never across.
fn with_popularity(score: Score, plays: u64) -> Score {
    let p = plays as f32;
    score + 0.9 * p / (p + 10.0)
}

/// Keeps the `keep` best of each kind.
pub struct BestPerKind {
    pub keep: usize,
}

/// The best of each kind (by kind code), best first.
pub type PerKind = Vec<Vec<(Score, DocAddress)>>;

#[derive(Clone, Copy)]
struct Entry {
    score: Score,
    doc: DocId,
}

// Reversed, so that the heap's top is the weakest kept entry.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.doc.cmp(&other.doc))
    }
}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}

pub struct SegmentBest {
    segment: SegmentOrdinal,
    ranks: Option<Arc<dyn ColumnValues<u64>>>,
    heaps: [BinaryHeap<Entry>; KINDS],
    keep: usize,
}

impl Collector for BestPerKind {
    type Fruit = PerKind;
    type Child = SegmentBest;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentBest> {
        let column = reader.fast_fields().u64(RANK_FIELD)?;
        // Every document has a rank: read the values straight, without the optional index.
        let ranks = match column.index {
            ColumnIndex::Full => Some(column.values.clone()),
            _ => Some(column.first_or_default_col(u64::MAX)),
        };
        Ok(SegmentBest {
            segment,
            ranks,
            heaps: Default::default(),
            keep: self.keep,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<PerKind>) -> tantivy::Result<PerKind> {
        let mut merged: PerKind = vec![Vec::new(); KINDS];
        for per_kind in segments {
            for (kind, list) in per_kind.into_iter().enumerate() {
                if let Some(slot) = merged.get_mut(kind) {
                    slot.extend(list);
                }
            }
        }
        for list in &mut merged {
            list.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            list.truncate(self.keep);
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentBest {
    type Fruit = PerKind;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(ranks) = &self.ranks else { return };
        let value = ranks.get_val(doc);
        let Some(heap) = self.heaps.get_mut((value & 3) as usize) else {
            return;
        };
        let entry = Entry {
            score: with_popularity(score, value >> 2),
            doc,
        };
        if heap.len() < self.keep {
            heap.push(entry);
        } else if let Some(weakest) = heap.peek()
            && entry < *weakest
        {
            heap.pop();
            heap.push(entry);
        }
    }

    fn harvest(self) -> PerKind {
        let segment = self.segment;
        self.heaps
            .into_iter()
            .map(|heap| {
                heap.into_sorted_vec()
                    .into_iter()
                    .map(|e| (e.score, DocAddress::new(segment, e.doc)))
                    .collect()
            })
            .collect()
    }
}
