#!/usr/bin/env python3
# Summary of xenstore-paired.sh output: medians per daemon (and /C), then the median of the
# per-round ratios against "base" and "C".  Usage: paired-medians.py LOG
import sys, re, statistics as st, collections
d=collections.defaultdict(lambda: collections.defaultdict(list))
loads=[]
for l in open(sys.argv[1]):
    if not l.startswith('round='): continue
    kv=dict(x.split('=',1) for x in l.split())
    for k in ('write_ops_s','read_ops_s','tx_ops_s','dir_ops_s','cpu_us'):
        d[kv['daemon']][k].append(float(kv[k]))
    loads.append(float(kv['load'] or 0))
ref = 'C' if 'C' in d else None
for name,m in d.items():
    med={k:st.median(v) for k,v in m.items()}
    s=f"{name:8s} n={len(m['cpu_us'])} "+" ".join(f"{k[:-6] if k!='cpu_us' else k}={med[k]:.0f}" + (f"({med[k]/st.median(d[ref][k]):.2f}xC)" if ref and k!='cpu_us' else '') for k in ('write_ops_s','read_ops_s','tx_ops_s','dir_ops_s')) + f" cpu_us={med['cpu_us']:.2f}"
    print(s)
print(f"load avg during run: min {min(loads):.1f} median {st.median(loads):.1f} max {max(loads):.1f}")
# paired ratios against 'base' within each round
rounds=collections.defaultdict(dict)
for l in open(sys.argv[1]):
    if not l.startswith('round='): continue
    kv=dict(x.split('=',1) for x in l.split())
    rounds[kv['round']][kv['daemon']]=kv
names=sorted({n for r in rounds.values() for n in r})
for ref in ('base','C'):
    if not any(ref in r for r in rounds.values()): continue
    for n in names:
        if n==ref: continue
        out=[]
        for k in ('write_ops_s','read_ops_s','tx_ops_s','dir_ops_s','cpu_us'):
            rs=[float(r[n][k])/float(r[ref][k]) for r in rounds.values() if n in r and ref in r and float(r[ref][k])>0]
            out.append(f"{k.replace('_ops_s','')}={st.median(rs):.2f}")
        print(f"paired {n}/{ref}: "+" ".join(out))
