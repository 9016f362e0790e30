//! Tests of the placement index's grouping.

use super::*;

fn raw(cluster: u32, reference: u32) -> Raw {
    Raw {
        cluster,
        list: 0,
        reference,
        via: Via::Base,
        link: Link::None,
    }
}

/// Grouped by name, a name's placements in cluster order and, within a cluster, in the
/// order the cluster's lists hold them; blocks of names and names with more placements
/// than a block included.
#[test]
fn groups_by_name_in_cluster_then_list_order() {
    let names: Vec<String> = (0..5).map(|i| format!("app-{i}")).collect();
    // Cluster 0 lists app-3 before app-1 and app-1 twice; cluster 1 lists app-4 first (as a
    // common list placed first does), app-4 being in a block of its own: every cluster has it
    // more times than a block holds.
    let mut found: Vec<Named> = vec![
        vec![
            (3, raw(0, 0)),
            (1, raw(0, 1)),
            (1, raw(0, 2)),
            (0, raw(0, 3)),
        ],
        vec![(4, raw(1, 0)), (1, raw(1, 1)), (3, raw(1, 2))],
        Vec::new(),
    ];
    for (cluster, placed) in found.iter_mut().enumerate() {
        let cluster = position(cluster);
        placed.extend((0..BLOCK as u32 + 5).map(|r| (4, raw(cluster, 100 + r))));
    }
    let grouped = Grouped::new(names, found);
    let of = |name: &str| -> Vec<(u32, u32)> {
        let raws = grouped.get(name).unwrap_or_default();
        raws.iter().map(|r| (r.cluster, r.reference)).collect()
    };
    assert_eq!(of("app-0"), [(0, 3)]);
    assert_eq!(of("app-1"), [(0, 1), (0, 2), (1, 1)]);
    assert_eq!(of("app-2"), []);
    assert_eq!(of("app-3"), [(0, 0), (1, 2)]);
    let app4 = of("app-4");
    assert_eq!(app4.len(), 3 * (BLOCK + 5) + 1);
    assert!(app4.is_sorted(), "cluster, then list order");
}
