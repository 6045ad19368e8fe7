//! One collector for all three kinds: the best documents of each, in one pass over the matches,
//! in the final order (score, then name).
//!
//! Each document carries one fast number, `rank` = plays × 4 + kind, so telling its kind and
//! weighing its popularity costs one column read per match. Its name's alphabetical place
//! (two more numbers) is read only for a match that could still enter the kept best.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, ColumnIndex, ColumnValues};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

pub const RANK_FIELD: &str = "rank";
pub const NAME_A_FIELD: &str = "name_a";
pub const NAME_B_FIELD: &str = "name_b";
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

/// A kept match: better ones sort first.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub score: Score,
    pub name: (u64, u64),
    pub address: DocAddress,
}

impl Ord for Hit {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.name.cmp(&other.name))
            .then_with(|| self.address.cmp(&other.address))
    }
}
impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Hit {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Hit {}

/// The best of each kind (by kind code), best first.
pub type PerKind = Vec<Vec<Hit>>;

type Values = Arc<dyn ColumnValues<u64>>;

pub struct SegmentBest {
    segment: SegmentOrdinal,
    ranks: Values,
    names: (Values, Values),
    /// Max-heaps by `Hit`'s order: the top is the weakest kept.
    heaps: [BinaryHeap<Hit>; KINDS],
    keep: usize,
}

/// Every document has these values: read them straight, without the optional index.
fn values(column: Column<u64>, default: u64) -> Values {
    match column.index {
        ColumnIndex::Full => column.values,
        _ => column.first_or_default_col(default),
    }
}

impl Collector for BestPerKind {
    type Fruit = PerKind;
    type Child = SegmentBest;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentBest> {
        let fast = reader.fast_fields();
        Ok(SegmentBest {
            segment,
            ranks: values(fast.u64(RANK_FIELD)?, u64::MAX),
            names: (
                values(fast.u64(NAME_A_FIELD)?, 0),
                values(fast.u64(NAME_B_FIELD)?, 0),
            ),
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
            list.sort();
            list.truncate(self.keep);
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentBest {
    type Fruit = PerKind;

    fn collect(&mut self, doc: DocId, score: Score) {
        let value = self.ranks.get_val(doc);
        let Some(heap) = self.heaps.get_mut((value & 3) as usize) else {
            return;
        };
        let score = with_popularity(score, value >> 2);
        if self.keep == 0 {
            return;
        }
        if heap.len() >= self.keep
            && let Some(weakest) = heap.peek()
            && score < weakest.score
        {
            return;
        }
        let hit = Hit {
            score,
            name: (self.names.0.get_val(doc), self.names.1.get_val(doc)),
            address: DocAddress::new(self.segment, doc),
        };
        if heap.len() < self.keep {
            heap.push(hit);
        } else if let Some(weakest) = heap.peek()
            && hit < *weakest
        {
            heap.pop();
            heap.push(hit);
        }
    }

    fn harvest(self) -> PerKind {
        self.heaps
            .into_iter()
            .map(BinaryHeap::into_sorted_vec)
            .collect()
    }
}
