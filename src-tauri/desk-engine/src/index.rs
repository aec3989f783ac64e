//! The account tree in memory: lazy children for the switcher, breadcrumbs, and instant search
//! by name, realm or ID (a linear scan over pre-lowered strings: well under a millisecond at
//! 10,000 accounts, with no index to keep in step).

use desk_store::CachedNode;
use serde::Serialize;
use std::collections::HashMap;

struct Node {
    id: String,
    name: String,
    realm: String,
    parent: Option<usize>,
    children: Vec<usize>,
    name_lc: String,
    realm_lc: String,
}

pub struct AccountIndex {
    nodes: Vec<Node>,
    by_id: HashMap<String, usize>,
    root: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NodeView {
    pub id: String,
    pub name: String,
    pub realm: String,
    pub child_count: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Crumb {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SearchHit {
    pub id: String,
    pub name: String,
    pub realm: String,
    /// Names of the ancestors below the root, for telling same-named accounts apart.
    pub path: Vec<String>,
    /// What matched: `name`, `realm` or `id`.
    pub matched: &'static str,
}

/// Shown for an account whose name is missing on the server.
const UNNAMED: &str = "(unnamed account)";

impl AccountIndex {
    /// Build from cached nodes; nodes whose parent is unknown hang under the root.
    pub fn build(root: &str, nodes: &[CachedNode]) -> Option<Self> {
        let mut index = AccountIndex {
            nodes: Vec::with_capacity(nodes.len()),
            by_id: HashMap::with_capacity(nodes.len()),
            root: 0,
        };
        for n in nodes {
            if index.by_id.contains_key(&n.id) {
                continue;
            }
            let name = n
                .name
                .clone()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| UNNAMED.to_owned());
            let realm = n.realm.clone().unwrap_or_default();
            index.by_id.insert(n.id.clone(), index.nodes.len());
            index.nodes.push(Node {
                name_lc: name.to_lowercase(),
                realm_lc: realm.to_lowercase(),
                id: n.id.clone(),
                name,
                realm,
                parent: None,
                children: Vec::new(),
            });
        }
        index.root = *index.by_id.get(root)?;
        for n in nodes {
            let (Some(&child), false) = (index.by_id.get(&n.id), n.id == root) else {
                continue;
            };
            let parent = n
                .parent
                .as_ref()
                .and_then(|p| index.by_id.get(p).copied())
                .filter(|p| *p != child)
                .unwrap_or(index.root);
            if index.nodes[child].parent.is_none() {
                index.nodes[child].parent = Some(parent);
                index.nodes[parent].children.push(child);
            }
        }
        index.break_cycles();
        let mut order: Vec<Vec<usize>> = index.nodes.iter().map(|n| n.children.clone()).collect();
        for kids in &mut order {
            kids.sort_by(|a, b| index.nodes[*a].name_lc.cmp(&index.nodes[*b].name_lc));
        }
        for (n, kids) in index.nodes.iter_mut().zip(order) {
            n.children = kids;
        }
        Some(index)
    }

    /// A broken or hostile listing can describe a cycle (A under B under A), which would make
    /// every walk up the tree endless: each cycle is cut where it closes, that account hanging
    /// under the root instead. Each node is walked once.
    fn break_cycles(&mut self) {
        const NEW: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![NEW; self.nodes.len()];
        for start in 0..self.nodes.len() {
            let mut path = Vec::new();
            let mut cur = Some(start);
            while let Some(i) = cur {
                match state[i] {
                    DONE => break,
                    ON_PATH => {
                        tracing::warn!(account = %self.nodes[i].id, "the account tree has a cycle; cut at the root");
                        self.reparent(i, self.root);
                        break;
                    }
                    _ => {}
                }
                state[i] = ON_PATH;
                path.push(i);
                cur = self.nodes[i].parent;
            }
            for i in path {
                state[i] = DONE;
            }
        }
    }

    fn reparent(&mut self, child: usize, parent: usize) {
        if let Some(old) = self.nodes[child].parent {
            self.nodes[old].children.retain(|c| *c != child);
        }
        self.nodes[child].parent = (child != parent).then_some(parent);
        if child != parent {
            self.nodes[parent].children.push(child);
        }
    }

    pub fn root_id(&self) -> &str {
        &self.nodes[self.root].id
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    fn view(&self, i: usize) -> NodeView {
        let n = &self.nodes[i];
        NodeView {
            id: n.id.clone(),
            name: n.name.clone(),
            realm: n.realm.clone(),
            child_count: n.children.len(),
        }
    }

    /// Every account below the root, in the order the tree was listed.
    pub fn descendants(&self) -> impl Iterator<Item = NodeView> + '_ {
        (0..self.nodes.len())
            .filter(|i| *i != self.root)
            .map(|i| self.view(i))
    }

    pub fn node(&self, id: &str) -> Option<NodeView> {
        self.by_id.get(id).map(|i| self.view(*i))
    }

    /// Children of `id` (of the root when `None`), sorted by name.
    pub fn children(&self, id: Option<&str>) -> Option<Vec<NodeView>> {
        let i = match id {
            None => self.root,
            Some(id) => *self.by_id.get(id)?,
        };
        Some(
            self.nodes[i]
                .children
                .iter()
                .map(|c| self.view(*c))
                .collect(),
        )
    }

    /// Root › … › account.
    pub fn breadcrumb(&self, id: &str) -> Vec<Crumb> {
        let mut out = Vec::new();
        let mut cur = self.by_id.get(id).copied();
        while let Some(i) = cur {
            out.push(Crumb {
                id: self.nodes[i].id.clone(),
                name: self.nodes[i].name.clone(),
            });
            cur = self.nodes[i].parent;
        }
        out.reverse();
        out
    }

    /// Accounts whose name, realm or ID matches `query`, best first: name starts with it, a word
    /// of the name starts with it, name contains it, then realm, then ID prefix.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let id_like = q.len() >= 4 && q.bytes().all(|b| b.is_ascii_hexdigit());
        let mut scored: Vec<(u8, usize)> = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let score = if n.name_lc.starts_with(&q) {
                0
            } else if let Some(pos) = n.name_lc.find(&q) {
                let word_start = n.name_lc[..pos].ends_with(|c: char| !c.is_alphanumeric());
                if word_start {
                    1
                } else {
                    2
                }
            } else if n.realm_lc.starts_with(&q) {
                3
            } else if n.realm_lc.contains(&q) {
                4
            } else if id_like && n.id.starts_with(&q) {
                5
            } else {
                continue;
            };
            scored.push((score, i));
        }
        let by_rank = |a: &(u8, usize), b: &(u8, usize)| {
            a.0.cmp(&b.0)
                .then_with(|| self.nodes[a.1].name_lc.cmp(&self.nodes[b.1].name_lc))
        };
        if scored.len() > limit {
            scored.select_nth_unstable_by(limit, by_rank);
            scored.truncate(limit);
        }
        scored.sort_by(by_rank);
        scored
            .into_iter()
            .map(|(score, i)| {
                let n = &self.nodes[i];
                let crumbs = self.breadcrumb(&n.id);
                let path = crumbs
                    .iter()
                    .skip(1)
                    .take(crumbs.len().saturating_sub(2))
                    .map(|c| c.name.clone())
                    .collect();
                SearchHit {
                    id: n.id.clone(),
                    name: n.name.clone(),
                    realm: n.realm.clone(),
                    path,
                    matched: match score {
                        0..=2 => "name",
                        3 | 4 => "realm",
                        _ => "id",
                    },
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, name: &str, realm: &str, parent: Option<&str>) -> CachedNode {
        CachedNode {
            id: id.into(),
            name: Some(name.into()),
            realm: Some(realm.into()),
            parent: parent.map(Into::into),
        }
    }

    fn sample() -> AccountIndex {
        AccountIndex::build(
            "r0",
            &[
                node("r0", "Reseller", "r.example.com", None),
                node("a1", "Acme Dental Group", "acme.example.com", Some("r0")),
                node(
                    "a2",
                    "Acme Dental — Brooklyn",
                    "7c1e9a.example.com",
                    Some("a1"),
                ),
                node("b1", "Bayside Realty", "bayside.example.com", Some("r0")),
                node("c1", "Pacific Acme", "pac.example.com", Some("r0")),
                node("d1", "Orphan Co", "orphan.example.com", Some("zz")),
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_cyclic_listing_is_cut_at_the_root_and_every_walk_ends() {
        let ix = AccountIndex::build(
            "r0",
            &[
                node("r0", "Reseller", "r.example.com", None),
                node("a1", "A", "a.example.com", Some("b1")),
                node("b1", "B", "b.example.com", Some("a1")),
                node("c1", "C", "c.example.com", Some("b1")),
            ],
        )
        .unwrap();
        for id in ["a1", "b1", "c1"] {
            let crumbs = ix.breadcrumb(id);
            assert_eq!(crumbs[0].id, "r0", "{id} reaches the root");
            assert!(crumbs.len() <= 4);
        }
        let below_root = ix.children(None).unwrap().len();
        assert_eq!(
            below_root, 1,
            "one account of the cycle hangs under the root"
        );
    }

    #[test]
    fn children_are_lazy_and_sorted() {
        let ix = sample();
        let top: Vec<_> = ix
            .children(None)
            .unwrap()
            .into_iter()
            .map(|n| n.name)
            .collect();
        assert_eq!(
            top,
            [
                "Acme Dental Group",
                "Bayside Realty",
                "Orphan Co",
                "Pacific Acme"
            ]
        );
        assert_eq!(ix.children(Some("a1")).unwrap()[0].id, "a2");
        assert_eq!(ix.node("a1").unwrap().child_count, 1);
        assert!(ix.children(Some("nope")).is_none());
    }

    #[test]
    fn breadcrumb_runs_from_the_root() {
        let names: Vec<_> = sample()
            .breadcrumb("a2")
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            names,
            ["Reseller", "Acme Dental Group", "Acme Dental — Brooklyn"]
        );
    }

    #[test]
    fn search_ranks_prefix_then_word_then_realm_then_id() {
        let ix = sample();
        let hits: Vec<_> = ix.search("acme", 10).into_iter().map(|h| h.id).collect();
        assert_eq!(hits, ["a1", "a2", "c1"]);
        assert_eq!(ix.search("7C1E", 10)[0].matched, "realm");
        assert_eq!(ix.search("BAYSIDE.EXAMPLE", 10)[0].id, "b1");
        assert_eq!(ix.search("a2", 10).len(), 0, "too short to be an id prefix");
        assert_eq!(ix.search("acme", 1).len(), 1);
        assert_eq!(ix.search("brooklyn", 5)[0].path, ["Acme Dental Group"]);
    }
}
