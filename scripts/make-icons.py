#!/usr/bin/env python3
"""Draw the Account Desk icon (a rounded tile with a ledger mark) as 8-bit RGBA PNGs, plus the
.ico and .icns containers Windows and macOS bundles need. Pure standard library."""
import pathlib, struct, zlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "icons"

def png(size):
    bg, fg, accent = (37, 99, 235), (255, 255, 255), (191, 219, 254)
    r = size * 0.22
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            cx, cy = x + 0.5, y + 0.5
            # rounded-square mask
            dx = max(r - cx, cx - (size - r), 0)
            dy = max(r - cy, cy - (size - r), 0)
            inside = dx * dx + dy * dy <= r * r
            if not inside:
                row += bytes((0, 0, 0, 0))
                continue
            u, v = cx / size, cy / size
            col = bg
            # three ledger lines and a tall bar: "accounts"
            if 0.24 <= u <= 0.34 and 0.22 <= v <= 0.78:
                col = accent
            for top in (0.28, 0.46, 0.64):
                if 0.42 <= u <= 0.78 and top <= v <= top + 0.08:
                    col = fg
            row += bytes((*col, 255))
        rows.append(bytes(row))
    raw = b"".join(rows)
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")

def ico(pngs):
    head = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, data in pngs:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return head + entries + blobs

def icns(pngs):
    body = b"".join(kind + struct.pack(">I", len(d) + 8) + d for kind, d in pngs)
    return b"icns" + struct.pack(">I", len(body) + 8) + body

OUT.mkdir(exist_ok=True)
p32, p128, p256, p512 = png(32), png(128), png(256), png(512)
(OUT / "32x32.png").write_bytes(p32)
(OUT / "128x128.png").write_bytes(p128)
(OUT / "128x128@2x.png").write_bytes(p256)
(OUT / "icon.png").write_bytes(p512)
(OUT / "icon.ico").write_bytes(ico([(32, p32), (128, p128), (256, p256)]))
(OUT / "icon.icns").write_bytes(icns([(b"ic07", p128), (b"ic08", p256), (b"ic09", p512)]))
print("icons written to", OUT)
