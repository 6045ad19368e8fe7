//! Who may do what, in one place. Handlers ask here; the answers map to 404 (you may not
//! know it exists), 403 (you may see it but not do that) or success.

use super::error::Denied;
use crate::storage::{Id, User};

/// How much a user may do with a thing that has an owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Not even see it: a private thing of someone else.
    None,
    /// See it: public things.
    Read,
    /// Add to it: a collaborative thing the user can see.
    Contribute,
    /// Change or delete it: the owner.
    Manage,
}

/// A shareable thing's ownership and visibility, e.g. a playlist.
#[derive(Debug, Clone, Copy)]
pub struct Shared {
    pub owner_id: Id,
    pub is_public: bool,
    pub is_collaborative: bool,
}

/// Private is private, admins included: a family member's private playlist is theirs.
pub fn access(user: &User, thing: Shared) -> Access {
    if thing.owner_id == user.id {
        Access::Manage
    } else if thing.is_public && thing.is_collaborative {
        Access::Contribute
    } else if thing.is_public {
        Access::Read
    } else {
        Access::None
    }
}

/// Succeeds when `has` is at least `needs`; a thing the user cannot see is a 404.
pub fn require(has: Access, needs: Access) -> Result<(), Denied> {
    match has {
        Access::None => Err(Denied::Hidden),
        has if has >= needs => Ok(()),
        _ => Err(Denied::Forbidden("you may not change this")),
    }
}

pub fn require_admin(user: &User) -> Result<(), Denied> {
    if user.is_admin {
        Ok(())
    } else {
        Err(Denied::Forbidden("this needs an admin account"))
    }
}

/// Library entries (tracks, albums, artists) are edited by admins, and by the user who
/// uploaded them.
pub fn may_edit_library(user: &User, uploader_id: Option<Id>) -> bool {
    user.is_admin || uploader_id == Some(user.id)
}

pub fn require_library_editor(user: &User, uploader_id: Option<Id>) -> Result<(), Denied> {
    if may_edit_library(user, uploader_id) {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "only admins and the uploader edit the library",
        ))
    }
}

/// Only its author edits a comment: words are not put in anyone's mouth, admins' included.
pub fn require_comment_author(user: &User, author_id: Id) -> Result<(), Denied> {
    if user.id == author_id {
        Ok(())
    } else {
        Err(Denied::Forbidden("only its author edits a comment"))
    }
}

/// The author deletes their comment; admins moderate and delete any.
pub fn require_comment_moderator(user: &User, author_id: Id) -> Result<(), Denied> {
    if user.id == author_id || user.is_admin {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "only its author or an admin deletes a comment",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn someone(is_admin: bool) -> User {
        User {
            id: Id::new(),
            username: "x".into(),
            email: None,
            first_name: None,
            last_name: None,
            avatar_url: None,
            bio: None,
            subscription: "free".into(),
            is_active: true,
            email_verified: false,
            is_admin,
            created_at: Utc::now(),
            upload_quota_bytes: None,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn owners_manage_others_see_public_and_contribute_to_collaborative() {
        let (owner, other, admin) = (someone(false), someone(false), someone(true));
        let private = Shared {
            owner_id: owner.id,
            is_public: false,
            is_collaborative: false,
        };
        let public = Shared {
            is_public: true,
            ..private
        };
        let collaborative = Shared {
            is_collaborative: true,
            ..public
        };
        assert_eq!(access(&owner, private), Access::Manage);
        assert_eq!(access(&other, private), Access::None);
        assert_eq!(access(&admin, private), Access::None, "private is private");
        assert_eq!(access(&other, public), Access::Read);
        assert_eq!(access(&other, collaborative), Access::Contribute);
        // A collaborative flag on a private playlist invites nobody.
        let hidden = Shared {
            is_collaborative: true,
            ..private
        };
        assert_eq!(access(&other, hidden), Access::None);

        assert!(matches!(
            require(Access::None, Access::Read),
            Err(Denied::Hidden)
        ));
        assert!(matches!(
            require(Access::Read, Access::Contribute),
            Err(Denied::Forbidden(_))
        ));
        assert!(require(Access::Manage, Access::Contribute).is_ok());
        assert!(require_admin(&admin).is_ok());
        assert!(require_admin(&other).is_err());
        assert!(may_edit_library(&owner, Some(owner.id)));
        assert!(!may_edit_library(&other, Some(owner.id)));
        assert!(may_edit_library(&admin, None));
    }
}
