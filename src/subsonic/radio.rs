//! getInternetRadioStations, and createInternetRadioStation, updateInternetRadioStation and
//! deleteInternetRadioStation for admins.

use super::Ctx;
use super::error::SubsonicError;
use super::response::Node;
use crate::storage::{Id, MAX_RADIO_STATIONS, RadioStation};
use crate::validate::FieldError;

pub async fn list(ctx: &Ctx<'_>) -> Result<Node, SubsonicError> {
    let stations = ctx.storage.radio_stations().await?;
    Ok(Node::new("internetRadioStations").list(stations.iter().map(station)))
}

pub async fn create(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    admin(ctx)?;
    let new = crate::radio::new_station(
        ctx.params.required("name")?,
        ctx.params.required("streamUrl")?,
        ctx.params.get("homepageUrl"),
    )
    .map_err(invalid)?;
    ctx.storage
        .create_radio_station(&new)
        .await?
        .map(|_| ())
        .ok_or_else(|| {
            SubsonicError::Unavailable(format!(
                "a server keeps at most {MAX_RADIO_STATIONS} radio stations; delete one first"
            ))
        })
}

/// Subsonic sends every field again: the station becomes what the request says (an absent
/// homepageUrl clears it).
pub async fn update(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    admin(ctx)?;
    let id = station_id(ctx)?;
    let patch = crate::radio::patch(
        Some(ctx.params.required("name")?),
        Some(ctx.params.required("streamUrl")?),
        Some(ctx.params.get("homepageUrl")),
    )
    .map_err(invalid)?;
    ctx.storage.update_radio_station(id, &patch).await?;
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    admin(ctx)?;
    let id = station_id(ctx)?;
    ctx.storage.delete_radio_station(id).await?;
    Ok(())
}

fn station(s: &RadioStation) -> Node {
    Node::new("internetRadioStation")
        .attr("id", s.id.to_string())
        .attr("name", s.name.as_str())
        .attr("streamUrl", s.stream_url.as_str())
        .opt("homePageUrl", s.homepage_url.clone())
}

fn admin(ctx: &Ctx<'_>) -> Result<(), SubsonicError> {
    if ctx.user.is_admin {
        Ok(())
    } else {
        Err(SubsonicError::NotAuthorized(
            "only admins may change radio stations".into(),
        ))
    }
}

fn station_id(ctx: &Ctx<'_>) -> Result<Id, SubsonicError> {
    ctx.params
        .required("id")?
        .parse()
        .map_err(|_| SubsonicError::NotFound("radio station"))
}

fn invalid(err: FieldError) -> SubsonicError {
    let key = match err.field {
        "stream_url" => "streamUrl",
        "homepage_url" => "homepageUrl",
        other => other,
    };
    SubsonicError::Invalid(key, err.message)
}
