//! Topics: Boolean queries over terms and entity ids, scored per article.

use crate::dictionary::{Entity, TopicDef, TopicId};
use crate::error::{Error, Result};
use crate::matcher::TermSpec;
use crate::tagger::{Field, Mention};

/// A validated occurrence of a query term in an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TermHit {
    /// Index into [`TopicSet::terms`].
    pub term: u32,
    /// The field it is in.
    pub field: Field,
    /// Its word position in the field (number of spaces before it in the normalized text).
    pub word: u32,
}

/// One term or entity that made a topic fire, with how often.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The term as written in the query, or `entity:ID` / `type:KIND`.
    pub term: String,
    /// Number of occurrences.
    pub count: u32,
}

/// A topic an article is about.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicScore {
    /// The topic's id.
    pub id: TopicId,
    /// The topic's display name.
    pub name: String,
    /// Weighted count of the matched terms.
    pub score: f64,
    /// What fired.
    pub evidence: Vec<Evidence>,
}

/// The compiled topics.
#[derive(Debug, Clone, Default)]
pub struct TopicSet {
    terms: Vec<TermSpec>,
}

impl TopicSet {
    /// Compiles topic definitions against the entities they may name.
    pub fn compile(defs: &[TopicDef], _entities: &[Entity]) -> Result<TopicSet> {
        if let Some(t) = defs.first() {
            return Err(Error::dictionary(&t.origin.file, Some(t.origin.line), "topics are not supported yet"));
        }
        Ok(TopicSet::default())
    }

    /// The terms that join the automaton.
    pub fn terms(&self) -> &[TermSpec] {
        &self.terms
    }

    /// Scores one article from its term hits and entity mentions.
    pub fn score(&self, _hits: &[TermHit], _mentions: &[Mention], _entities: &[Entity]) -> Vec<TopicScore> {
        Vec::new()
    }
}
