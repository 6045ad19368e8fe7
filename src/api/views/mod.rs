//! What the API sends: one type per response body, built from storage rows by `From`, so a
//! renamed column breaks the build here instead of changing the wire. Each derives
//! [`utoipa::ToSchema`]; `/api/openapi.json` is built from them (see `super::openapi`).

mod accounts;
mod catalog;
mod library;
mod listening;
mod playlists;
mod radio;
mod shares;
mod social;

pub use accounts::*;
pub use catalog::*;
pub use library::*;
pub use listening::*;
pub use playlists::*;
pub use radio::*;
pub use shares::*;
pub use social::*;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

use crate::storage::Id;

/// Ids are UUID strings on the wire.
impl utoipa::PartialSchema for Id {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            .into()
    }
}

impl utoipa::ToSchema for Id {}
