# xenstore-utils session: every tool, run against a fresh daemon (XENSTORED_PATH set by the test).
# The expected transcript (xenstore_utils_session.expected) was recorded against the
# reference C xenstored 4.17; ReferenceDifferentialTest also compares live.
set +e
r() { echo "\$ $*"; "$@" 2>&1; echo "[exit $?]"; }
r xenstore-write /u/a "va lue" /u/b/c x
r xenstore-read /u/a /u/b/c
r xenstore-read /u/missing
r xenstore-exists /u/a
r xenstore-exists /u/missing
r xenstore-list /u
r xenstore-list /u/missing
r xenstore-chmod /u/a n0 r5
r xenstore-ls -p /u
r xenstore-chmod -r /u b0
r xenstore-ls -f /u
r xenstore-ls /
r xenstore-rm /u/b
r xenstore-rm /u/missing
r xenstore-rm /nope/nope
r xenstore-list /u
r xenstore-write rel x
r xenstore-read rel
r xenstore-read /local/domain/0/rel
r xenstore-rm -t /u/a
r xenstore-ls /u
r xenstore-read "/bad path"
r xenstore-write /u/v ""
r xenstore-read /u/v
r xenstore-rm /u
r xenstore-exists /u
