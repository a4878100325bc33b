"""Prints the import graph (`--graph`) of session-runtime's files and any cycle in it.

An edge A -> B means file A names an item of file B (a `use`, or a path in
code) outside its `#[cfg(test)]` module. Comments and `pub use` re-exports
(the public surface a module assembles) are not edges.
"""
import re, glob, os, sys
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'session-runtime', 'src')
os.chdir(root)
files = sorted(glob.glob('**/*.rs', recursive=True))
def modpath(f):
    p = f[:-3].split('/')
    if p[-1] in ('mod', 'lib'):
        p = p[:-1]
    return '::'.join(['crate'] + p)
mods = {modpath(f): f for f in files}
edges = {}
for f in files:
    t = open(f).read()
    i = t.find('#[cfg(test)]\nmod ')
    if i >= 0:
        t = t[:i]
    t = re.sub(r'//[^\n]*', '', t)
    t = re.sub(r'(?m)^\s*pub(\([\w:]+\))? use [^;]*;', '', t)
    me = modpath(f)
    parts = me.split('::')
    parent = parts if f.endswith(('mod.rs', 'lib.rs')) else parts[:-1]
    deps = set()
    def add(segs):
        for k in range(len(segs), 0, -1):
            cand = '::'.join(segs[:k])
            if cand in mods:
                if cand != me and not me.startswith(cand + '::'):
                    deps.add(cand)
                return
    for m in re.finditer(r'\b(crate|super)((?:::\w+)+)', t):
        segs = m.group(2).split('::')[1:]
        add((['crate'] if m.group(1) == 'crate' else parent) + segs)
    for m in re.finditer(r'use (crate|super)::\{([^}]*)\}', t):
        base = ['crate'] if m.group(1) == 'crate' else parent
        for name in re.findall(r'\b(\w+)\b', m.group(2)):
            add(base + [name])
    edges[me] = deps
color, stack, cycles = {}, [], []
def dfs(u):
    color[u] = 1; stack.append(u)
    for v in sorted(edges.get(u, ())):
        if color.get(v) == 1:
            cycles.append(stack[stack.index(v):] + [v])
        elif not color.get(v):
            dfs(v)
    stack.pop(); color[u] = 2
for u in sorted(edges):
    if not color.get(u):
        dfs(u)
if '--graph' in sys.argv:
    for u in sorted(edges):
        print(u, '->', ', '.join(sorted(edges[u])) or '(none)')
for c in cycles:
    print('cycle:', ' -> '.join(c))
print(f'{len(cycles)} cycle(s) among {len(files)} files')
sys.exit(1 if cycles else 0)
