//! Roles and what each may do. The matrix lives in one function,
//! [`Role::can`], so a page, an API route and a test all ask the same thing.

use serde::{Deserialize, Serialize};

/// What a person (or a script's API token) is allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The social-media team: drafts and incidents; tickets read-only.
    Reviewer,
    /// The email team: the ticket queue; drafts and incidents read-only.
    Agent,
    /// Everything, including the account listing.
    Admin,
}

/// One thing a route or a page needs to be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See drafted replies and their source messages.
    ViewDrafts,
    /// Change a draft's text, reassign or reject it.
    EditDrafts,
    /// Approve a draft for publishing.
    ApproveDrafts,
    /// Decide what became of a send left `uncertain`.
    ResolveUncertain,
    /// See incidents and their messages.
    ViewIncidents,
    /// See tickets, their threads and notes.
    ViewTickets,
    /// Change a ticket's state, assign it, add notes, reply by email.
    WorkTickets,
    /// Administration pages and routes (`/api/admin/...`).
    Admin,
}

impl Role {
    /// Every role, in the order config files and pages list them.
    pub const ALL: [Role; 3] = [Role::Reviewer, Role::Agent, Role::Admin];

    /// The name used in config files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    /// The role named `name` (as written in config), if any.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether this role may do `permission`.
    pub fn can(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => true,
            Role::Reviewer => matches!(
                permission,
                P::ViewDrafts
                    | P::EditDrafts
                    | P::ApproveDrafts
                    | P::ResolveUncertain
                    | P::ViewIncidents
                    | P::ViewTickets
            ),
            Role::Agent => matches!(
                permission,
                P::ViewTickets | P::WorkTickets | P::ViewDrafts | P::ViewIncidents
            ),
        }
    }

    /// The permissions this role has, in [`Permission::ALL`] order.
    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|p| self.can(*p))
            .collect()
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 8] = [
        Permission::ViewDrafts,
        Permission::EditDrafts,
        Permission::ApproveDrafts,
        Permission::ResolveUncertain,
        Permission::ViewIncidents,
        Permission::ViewTickets,
        Permission::WorkTickets,
        Permission::Admin,
    ];

    /// The name used in JSON and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewDrafts => "view_drafts",
            Permission::EditDrafts => "edit_drafts",
            Permission::ApproveDrafts => "approve_drafts",
            Permission::ResolveUncertain => "resolve_uncertain",
            Permission::ViewIncidents => "view_incidents",
            Permission::ViewTickets => "view_tickets",
            Permission::WorkTickets => "work_tickets",
            Permission::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_matrix_is_as_documented() {
        use Permission as P;
        // (permission, reviewer, agent, admin)
        let matrix = [
            (P::ViewDrafts, true, true, true),
            (P::EditDrafts, true, false, true),
            (P::ApproveDrafts, true, false, true),
            (P::ResolveUncertain, true, false, true),
            (P::ViewIncidents, true, true, true),
            (P::ViewTickets, true, true, true),
            (P::WorkTickets, false, true, true),
            (P::Admin, false, false, true),
        ];
        assert_eq!(
            matrix.len(),
            Permission::ALL.len(),
            "every permission listed"
        );
        for (permission, reviewer, agent, admin) in matrix {
            assert_eq!(
                Role::Reviewer.can(permission),
                reviewer,
                "reviewer {permission}"
            );
            assert_eq!(Role::Agent.can(permission), agent, "agent {permission}");
            assert_eq!(Role::Admin.can(permission), admin, "admin {permission}");
        }
    }

    #[test]
    fn roles_and_permissions_serialize_lowercase_and_parse_back() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for permission in Permission::ALL {
            let json = serde_json::to_string(&permission).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", permission.as_str()));
        }
        assert_eq!(Role::parse("Admin"), None, "names are exact");
        assert_eq!(
            Role::Agent.permissions(),
            [
                Permission::ViewDrafts,
                Permission::ViewIncidents,
                Permission::ViewTickets,
                Permission::WorkTickets
            ]
        );
    }
}
