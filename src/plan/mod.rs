//! Step 2 of the pipeline: a command plans a [`ChangeSet`] from the fleet snapshot and its
//! options. Planning never touches disk or git; everything that can fail fails here.

pub mod add_app;
pub mod add_cluster;
pub mod add_controller;
pub mod add_ns;
pub mod add_overlay;
pub mod add_policy;
mod changeset;
pub mod demote;
mod env_words;
pub mod helm;
pub mod init;
pub mod layout;
pub mod lists;
pub mod make_common;
pub mod mode;
pub mod namespace_overlay;
pub mod overlay_edit;
pub mod promote;
mod promote_copy;
mod promote_discovered;
pub mod promote_policy;
pub mod reach;
pub mod relocate;
pub mod subject;
pub mod taken;
pub mod values;

pub use changeset::{branch_for, branch_name, ChangeSet, FileChange};
