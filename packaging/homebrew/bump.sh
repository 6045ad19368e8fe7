#!/usr/bin/env bash
# Points the Homebrew formula (packaging/homebrew/juke.rb) at a tagged release: packs the tag's
# source the way GitHub's tag tarballs are packed, and writes that tarball's url and sha256.
set -euo pipefail

readonly BASE_URL="https://github.com/juke-music/juke/archive/refs/tags"

usage() {
    cat <<'EOF'
Usage: packaging/homebrew/bump.sh [--check] VERSION

Points packaging/homebrew/juke.rb at the release tagged vVERSION (e.g. 0.2.0; a leading
"v" is accepted). Builds the source tarball with
    git archive --prefix=juke-VERSION/ vVERSION
computes its SHA-256 and rewrites the formula's url and sha256 lines. The tag must exist
locally; nothing is committed.

  --check    also download the tarball GitHub serves for the tag (push the tag first) and
             stop if its SHA-256 differs from the local one: Homebrew checks the download.
  -h, --help this text.
EOF
}

die() {
    echo "bump.sh: $*" >&2
    exit 1
}

check=false
version=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --check) check=true ;;
        -*) usage >&2; exit 2 ;;
        *)
            [[ -z "$version" ]] || { usage >&2; exit 2; }
            version="$1"
            ;;
    esac
    shift
done
[[ -n "$version" ]] || { usage >&2; exit 2; }
version="${version#v}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
    die "\"$version\" is not a version like 0.2.0"
tag="v$version"

repo="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
formula="$repo/packaging/homebrew/juke.rb"
[[ -f "$formula" ]] || die "no formula at $formula"

git -C "$repo" rev-parse --quiet --verify "refs/tags/$tag^{commit}" >/dev/null ||
    die "no tag $tag in $repo (git fetch --tags?)"
# The formula installs the tag's own config template, and must build the version it names.
git -C "$repo" cat-file -e "$tag:packaging/homebrew/config.toml" 2>/dev/null ||
    die "$tag has no packaging/homebrew/config.toml"
tagged_version="$(git -C "$repo" show "$tag:Cargo.toml" |
    sed -n 's/^version = "\(.*\)"$/\1/p' | head -n 1)"
[[ "$tagged_version" == "$version" ]] ||
    die "Cargo.toml at $tag says version \"$tagged_version\", not \"$version\""

sha256_of() {
    if command -v sha256sum >/dev/null; then
        sha256sum "$1" | cut -d ' ' -f 1
    else
        shasum -a 256 "$1" | cut -d ' ' -f 1
    fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

tarball="$work/juke-$version.tar.gz"
# gzip -n (no name, no timestamp): the same tag always packs to the same bytes, as GitHub's do.
git -C "$repo" -c tar.tar.gz.command="gzip -cn" \
    archive --format=tar.gz --prefix="juke-$version/" --output="$tarball" "$tag"
sha="$(sha256_of "$tarball")"
url="$BASE_URL/$tag.tar.gz"

if "$check"; then
    curl --fail --silent --show-error --location --output "$work/github.tar.gz" "$url" ||
        die "cannot download $url (is the tag pushed?)"
    github_sha="$(sha256_of "$work/github.tar.gz")"
    [[ "$github_sha" == "$sha" ]] ||
        die "GitHub's tarball differs from the local one ($github_sha, local $sha): use GitHub's checksum in juke.rb"
fi

# Rewrite the two lines, then make sure each was found exactly once.
sed -e "s|^  url \"$BASE_URL/v[^\"]*\\.tar\\.gz\"\$|  url \"$url\"|" \
    -e "s|^  sha256 \"[0-9a-f]\\{64\\}\"\$|  sha256 \"$sha\"|" \
    "$formula" >"$work/juke.rb"
[[ "$(grep -cxF "  url \"$url\"" "$work/juke.rb")" == 1 ]] ||
    die "did not find exactly one stable url line in $formula"
[[ "$(grep -cxF "  sha256 \"$sha\"" "$work/juke.rb")" == 1 ]] ||
    die "did not find exactly one sha256 line in $formula"
cat "$work/juke.rb" >"$formula"

echo "juke.rb now builds $tag:"
echo "  url    $url"
echo "  sha256 $sha"
