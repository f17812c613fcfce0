#!/usr/bin/env python3
"""Where a process's resident memory is: /proc/PID/smaps summed by what each mapping holds.

    bench/smaps_summary.py /proc/PID/smaps        (or a copy of it)

Prints the total Rss, then the file-backed part by file (the program and each shared library: their code and
read-only data as touched, and the pages that relocation or writes copied, which smaps counts as Anonymous in the
file's mappings), then the anonymous part: glibc's malloc arenas (the main one is [heap]; every other arena is a
64 MiB-aligned reservation of which only what was touched is resident), thread stacks (a 4 KiB guard page right
below a read-write mapping), and the other anonymous mappings (large allocations that malloc mapped by
themselves, such as the request log's rings). bench/memory_profile.sh runs it; docs/PERFORMANCE.md has its output.
"""
import collections
import re
import sys

HEAP_MAX = 64 << 20  # glibc's HEAP_MAX_SIZE on 64-bit: non-main arenas are aligned to it


def read_maps(path):
    maps = []
    for line in open(path, encoding="utf-8"):
        head = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$", line)
        if head:
            maps.append({"start": int(head.group(1), 16), "end": int(head.group(2), 16), "perms": head.group(3),
                         "name": head.group(4).strip(), "rss": 0, "anon": 0})
        elif maps and ":" in line:
            key, _, value = line.partition(":")
            if key == "Rss":
                maps[-1]["rss"] = int(value.split()[0])
            elif key == "Anonymous":
                maps[-1]["anon"] = int(value.split()[0])
    return maps


def main():
    maps = read_maps(sys.argv[1])
    files = collections.Counter()
    files_anon = collections.Counter()
    arenas, stacks, other = [], [], collections.Counter()
    main_heap = 0
    for i, m in enumerate(maps):
        name = m["name"]
        if name and not name.startswith("["):
            short = name.rsplit("/", 1)[-1]
            files[short] += m["rss"]
            files_anon[short] += m["anon"]
        elif name == "[heap]":
            main_heap += m["rss"]
        elif name.startswith("[stack"):
            other["main thread's stack"] += m["rss"]
        elif name in ("[vdso]", "[vvar]", "[vsyscall]") or m["perms"] == "---p":
            continue
        elif i > 0 and maps[i - 1]["perms"] == "---p" and maps[i - 1]["end"] == m["start"] and \
                maps[i - 1]["end"] - maps[i - 1]["start"] == 4096:
            stacks.append(m["rss"])
        elif m["start"] % HEAP_MAX == 0:
            arenas.append(m["rss"])
        else:
            other[f"anonymous mapping of {(m['end'] - m['start']) // 1024} kB"] += m["rss"]
    total = sum(m["rss"] for m in maps)
    file_total = sum(files.values())
    anon_total = total - file_total

    def mib(kb):
        return f"{kb / 1024:6.2f} MiB"

    print(f"total Rss                                  {mib(total)}")
    print(f"file-backed (program and shared libraries) {mib(file_total)}"
          f"  (of it copied by relocation or writes: {mib(sum(files_anon.values()))};"
          f" {sum(1 for n in files if '.so' in n)} shared objects)")
    for name, kb in files.most_common():
        if kb >= 100:
            print(f"    {kb:6d} kB  {name}")
    rest = [kb for name, kb in files.items() if kb < 100]
    print(f"    {sum(rest):6d} kB  {len(rest)} others under 100 kB each")
    print(f"anonymous                                  {mib(anon_total)}")
    print(f"    {main_heap:6d} kB  malloc's main arena ([heap])")
    big = sorted((kb for kb in arenas if kb >= 512), reverse=True)
    print(f"    {sum(arenas):6d} kB  {len(arenas)} other malloc arenas"
          f" ({', '.join(str(kb) for kb in big) or 'none'} kB in those over 512 kB)")
    print(f"    {sum(stacks):6d} kB  {len(stacks)} thread stacks")
    for name, kb in other.most_common():
        if kb >= 64:
            print(f"    {kb:6d} kB  {name}")
    small = sum(kb for kb in other.values() if kb < 64)
    print(f"    {small:6d} kB  other anonymous mappings under 64 kB each")


if __name__ == "__main__":
    main()
