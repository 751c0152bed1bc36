# Drives a xenstored through pyxs (python3-pyxs), honouring XENSTORED_PATH.
# Prints one line per step; the Java test compares them. Never waits without bound on its
# own: the Java side kills it after a timeout.
from pyxs import Client

out = []
with Client() as c, Client() as d:
    c.write(b"/py/x", b"1")
    c.mkdir(b"/py/dir")
    out.append(("list", sorted(c.list(b"/py"))))
    out.append(("read", c.read(b"/py/x")))
    out.append(("exists", c.exists(b"/py/nope")))
    c.set_perms(b"/py/x", [b"n0", b"r5"])
    out.append(("perms", c.get_perms(b"/py/x")))
    # a transaction that read /py/x, which another connection then changes: EAGAIN
    c.transaction()
    c.read(b"/py/x")
    d.write(b"/py/x", b"2")
    c.write(b"/py/y", b"3")
    out.append(("commit-conflict", c.commit()))
    c.transaction()
    c.write(b"/py/y", b"4")
    out.append(("commit", c.commit()))
    c.transaction()
    c.write(b"/py/z", b"x")
    c.rollback()
    out.append(("y", c.read(b"/py/y")))
    out.append(("z-exists", c.exists(b"/py/z")))
    m = c.monitor()
    m.watch(b"/py", b"tok")
    events = m.wait()
    out.append(("initial", tuple(next(events))))
    d.write(b"/py/w", b"5")
    out.append(("event", tuple(next(events))))
    d.delete(b"/py/w")
    out.append(("event", tuple(next(events))))
    m.unwatch(b"/py", b"tok")
    out.append(("domain-path", c.get_domain_path(3)))
    out.append(("introduced-0", c.is_domain_introduced(0)))
    c.delete(b"/py")
    out.append(("gone", c.exists(b"/py")))
for o in out:
    print(o)
