use super::*;
use std::os::unix::fs::symlink;

/// A repository with a manifest, links inside it (relative and absolute), links out of it,
/// a named pipe and a sparse file over the limit; and the directory outside.
fn tree() -> (assert_fs::TempDir, PathBuf) {
    let temp = assert_fs::TempDir::new().unwrap();
    let repo = temp.path().join("repo");
    let outside = temp.path().join("outside");
    fs::create_dir_all(repo.join("apps/a")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(repo.join("apps/a/m.yaml"), "kind: A\n").unwrap();
    fs::write(outside.join("m.yaml"), "kind: Secret\n").unwrap();
    symlink("a", repo.join("apps/rel")).unwrap();
    symlink(repo.join("apps/a"), repo.join("apps/abs")).unwrap();
    symlink("../../outside", repo.join("apps/up")).unwrap();
    symlink(&outside, repo.join("apps/out")).unwrap();
    symlink("/dev/zero", repo.join("apps/zero.yaml")).unwrap();
    symlink(".", repo.join("apps/a/self")).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        repo.join("apps/pipe.yaml"),
        FileType::Fifo,
        Mode::RUSR | Mode::WUSR,
        0,
    )
    .unwrap();
    let big = fs::File::create(repo.join("apps/big.yaml")).unwrap();
    big.set_len(MAX_FILE_SIZE + 1).unwrap();
    (temp, repo)
}

/// Each root the read may use: `openat2` where the kernel has it, and the slow path.
fn roots(repo: &Path) -> Vec<Root> {
    let slow = Root::new(repo);
    #[cfg(target_os = "linux")]
    slow.beneath
        .store(false, std::sync::atomic::Ordering::Relaxed);
    vec![Root::new(repo), slow]
}

#[test]
fn reads_through_links_that_stay_inside_and_not_through_those_that_leave() {
    let (_temp, repo) = tree();
    for root in roots(&repo) {
        let mut bytes = Vec::new();
        let id = root.read(Path::new("apps/a/m.yaml"), &mut bytes).unwrap();
        assert_eq!(bytes, b"kind: A\n");
        for inside in [
            "apps/rel/m.yaml",
            "apps/abs/m.yaml",
            "apps/a/self/self/m.yaml",
        ] {
            assert_eq!(
                root.read(Path::new(inside), &mut bytes).unwrap(),
                id,
                "{inside}"
            );
        }
        for out in ["apps/up/m.yaml", "apps/out/m.yaml", "apps/zero.yaml"] {
            let e = root.read(Path::new(out), &mut bytes).unwrap_err();
            assert!(leaves(&e), "{out}: {e}");
        }
        assert!(!root.is_dir(Path::new("apps/up")) && !root.is_dir(Path::new("apps/out")));
        assert!(root.is_dir(Path::new("apps/rel")) && root.is_dir(Path::new("apps/abs")));
        let links: Vec<(String, String)> = root
            .outside_links()
            .into_iter()
            .map(|l| (l.link.display().to_string(), l.target.display().to_string()))
            .collect();
        let outside = repo.parent().unwrap().join("outside").display().to_string();
        assert_eq!(
            links,
            [
                ("apps/out".to_string(), outside),
                ("apps/up".into(), "../../outside".into()),
                ("apps/zero.yaml".into(), "/dev/zero".into()),
            ]
        );
    }
}

#[test]
fn refuses_special_files_without_waiting_and_files_over_the_limit() {
    let (_temp, repo) = tree();
    for root in roots(&repo) {
        let mut bytes = Vec::new();
        let pipe = root
            .read(Path::new("apps/pipe.yaml"), &mut bytes)
            .unwrap_err();
        assert!(pipe.to_string().contains("named pipe"), "{pipe}");
        let big = root
            .read(Path::new("apps/big.yaml"), &mut bytes)
            .unwrap_err();
        assert!(big.to_string().contains("larger than 16 MiB"), "{big}");
        assert!(bytes.is_empty());
    }
}

#[test]
fn lists_a_directory_with_its_identity_leaving_out_links_that_leave() {
    let (_temp, repo) = tree();
    for root in roots(&repo) {
        let (id, mut entries) = root.entries(Path::new("apps")).unwrap();
        entries.sort();
        let names: Vec<(&str, bool)> = entries.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        assert_eq!(
            names,
            [
                ("a", true),
                ("abs", true),
                ("big.yaml", false),
                ("pipe.yaml", false),
                ("rel", true)
            ]
        );
        let (again, _) = root.entries(Path::new("apps/a/self/..")).unwrap();
        assert_eq!(again, id);
        assert_eq!(
            root.entries(Path::new("apps/rel")).unwrap().0,
            root.entries(Path::new("apps/a/self")).unwrap().0
        );
    }
}
