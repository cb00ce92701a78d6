//! hantag tags Korean (and mixed Korean/English) news articles with the entities they
//! mention and the topics they are about.
//!
//! Entity dictionaries are compiled into one Aho-Corasick automaton; every candidate is then
//! checked with Korean-aware boundary rules (particles glued to names, spacing variants,
//! full-width forms, ambiguous short names), with ko-dic morphology deciding what particle
//! lists cannot.
//!
//! ```
//! use hantag::{Article, Dictionary, Tagger};
//!
//! let dict = Dictionary::from_csv_str(
//!     "entities.csv",
//!     "id,type,name,aliases,exact_aliases\n\
//!      naver-cloud,company,네이버클라우드,NAVER Cloud,\n\
//!      india,place,인도,India,\n\
//!      ms,company,마이크로소프트,Microsoft,MS\n",
//! )?;
//! let tagger = Tagger::new(dict)?;
//! let article = Article::new("a1", "", "네이버클라우드는 인도하고 있다. MS와 인도는 협력한다.");
//! let tagged = tagger.tag(&article)?;
//! let found: Vec<(&str, &str)> = tagged
//!     .mentions()
//!     .iter()
//!     .map(|m| (tagged.entity(m).id.0.as_str(), m.surface(&article)))
//!     .collect();
//! // 인도하고 있다 is a verb (to guide), not India.
//! assert_eq!(found, [("naver-cloud", "네이버클라우드"), ("ms", "MS"), ("india", "인도")]);
//! # Ok::<(), hantag::Error>(())
//! ```
#![deny(missing_docs)]

pub mod batch;
pub mod boundary;
pub mod dictionary;
pub mod discover;
pub mod error;
pub mod export;
pub mod input;
pub mod matcher;
pub mod morph;
pub mod normalize;
#[cfg(target_arch = "x86_64")]
mod simd;
pub mod tagger;
pub mod topic;
mod trie;

pub use dictionary::{Dictionary, Entity, EntityId, EntityLabel, TopicId};
pub use error::{Error, ErrorKind, Result};
pub use input::Article;
pub use tagger::{Field, Mention, Morphology, Tagged, Tagger, TaggerBuilder, Worker};
pub use topic::TopicScore;
