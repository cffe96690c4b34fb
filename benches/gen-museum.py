#!/usr/bin/env python3
"""Generate a museum of N objects for the scale benchmark (benches/scale.sh).

Usage: gen-museum.py OUT_DIR N [--photos SHARE] [--hugo HUGO_DIR]

Every object has every field in both languages, two paragraphs of description a language,
objects sit in sections of a few hundred, every tenth has related objects, and a share of them
(default 2 %) has a small photo. With --hugo, the same 2N object pages are written as a Hugo
site with one template, the anchor the build is compared with. Deterministic: the same N gives
the same files.
"""
import os, random, struct, sys, zlib

WORDS_VI = ("gốm men lam đình làng chùa cổ trống đồng Đông Sơn bình vôi thạp hoa văn "
            "chạm khắc gỗ lim sơn son thếp vàng bia đá chữ Hán Nôm đất nung tượng Phật "
            "nhà Đinh nhà Lê Hoa Lư Tràng An Kim Sơn làng nghề đá Ninh Vân cói thêu ren "
            "lư hương chân đèn ấm trà âu bát đĩa chum vại hiện vật tìm thấy ven sông").split()
WORDS_EN = ("glazed blue ware communal house pagoda bronze drum Dong Son lime pot jar "
            "pattern carved ironwood lacquer gilded stele Chinese characters Nom clay statue "
            "Buddha Dinh Le dynasty Hoa Lu Trang An Kim Son craft village stone sedge "
            "embroidery lace incense burner lamp teapot bowl dish vessel found riverbank").split()
KINDS = [("Bình gốm", "Ceramic vase"), ("Tượng đá", "Stone statue"), ("Bia đá", "Stele"),
         ("Trống đồng", "Bronze drum"), ("Tiền đồng", "Bronze coin"), ("Gạch", "Brick"),
         ("Chân đèn", "Lamp stand"), ("Đồ gỗ chạm", "Carved wood")]
MATERIALS = [("Đất nung", "Fired clay"), ("Đá vôi", "Limestone"), ("Đồng", "Bronze"),
             ("Gỗ lim", "Ironwood"), ("Gốm men", "Glazed ceramic")]
PERIODS = [("Đinh – Tiền Lê", "Đinh – Early Lê", 968, 1009), ("Lý", "Lý", 1009, 1225),
           ("Trần", "Trần", 1225, 1400), ("Lê sơ", "Early Lê", 1428, 1527),
           ("Nguyễn", "Nguyễn", 1802, 1945), ("Đông Sơn", "Đông Sơn", -500, 100)]


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def loc(vi, en):
    return "{ vi = %s, en = %s }" % (q(vi), q(en))


def sentence(rng, words, n):
    s = " ".join(rng.choice(words) for _ in range(n))
    return s[0].upper() + s[1:] + "."


def paragraph(rng, words):
    return " ".join(sentence(rng, words, rng.randint(9, 18)) for _ in range(rng.randint(3, 5)))


def png(path, w, h, seed):
    rows = bytearray()
    for y in range(h):
        rows.append(0)
        for x in range(w):
            rows += bytes(((x * 3 + seed) % 256, (y * 5 + seed * 7) % 256, ((x ^ y) + seed) % 256))
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(data)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    out, n = args[0], int(args[1])
    share = float(args[args.index("--photos") + 1]) if "--photos" in args else 0.02
    hugo = args[args.index("--hugo") + 1] if "--hugo" in args else None
    rng = random.Random(n)
    exhibits = max(1, min(6, n // 800 + 1))
    per_section = 300
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "vitrine.toml"), "w") as f:
        f.write('format = 1\nbase_url = "https://baotang.example"\ntheme = "default"\n\n[museum]\n')
        f.write("name = %s\n" % loc("Bảo tàng thử tải", "Load-test museum"))
        f.write("tagline = %s\n" % loc("Bảo tàng sinh ra để đo tốc độ.", "A museum generated to measure speed."))
        f.write("\n[images]\nwidths = [400, 800]\n")
    ids_by_ex = [[] for _ in range(exhibits)]
    for i in range(n):
        ids_by_ex[i * exhibits // n].append("BT-%05d" % (i + 1))
    pages = []
    for e, ids in enumerate(ids_by_ex):
        slug = "trung-bay-%d" % (e + 1)
        ed = os.path.join(out, "exhibits", slug)
        os.makedirs(os.path.join(ed, "objects"), exist_ok=True)
        with open(os.path.join(ed, "exhibit.toml"), "w") as f:
            f.write("title = %s\n" % loc("Trưng bày chuyên đề %d" % (e + 1), "Thematic exhibition %d" % (e + 1)))
            f.write("summary = %s\n" % loc(sentence(rng, WORDS_VI, 14), sentence(rng, WORDS_EN, 14)))
            f.write('status = "published"\norder = %d\n' % (e + 1))
            for s in range(0, len(ids), per_section):
                part = ids[s:s + per_section]
                f.write("\n[[section]]\ntitle = %s\n" % loc("Phần %d" % (s // per_section + 1), "Part %d" % (s // per_section + 1)))
                f.write("text = %s\n" % loc(sentence(rng, WORDS_VI, 20), sentence(rng, WORDS_EN, 20)))
                f.write("objects = [%s]\n" % ", ".join(q(i) for i in part))
        for lang, words in (("vi", WORDS_VI), ("en", WORDS_EN)):
            with open(os.path.join(ed, "intro.%s.md" % lang), "w") as f:
                f.write(paragraph(rng, words) + "\n\n" + paragraph(rng, words) + "\n")
        for k, oid in enumerate(ids):
            od = os.path.join(ed, "objects", oid)
            os.makedirs(od, exist_ok=True)
            kind = rng.choice(KINDS)
            mat = rng.choice(MATERIALS)
            per = rng.choice(PERIODS)
            t_vi = "%s %s %s" % (kind[0], " ".join(rng.choice(WORDS_VI) for _ in range(3)), oid[-3:])
            t_en = "%s, %s %s" % (kind[1], " ".join(rng.choice(WORDS_EN) for _ in range(3)), oid[-3:])
            lines = [
                "id = %s" % q(oid),
                "title = %s" % loc(t_vi, t_en),
                "kind = %s" % loc(*kind),
                "date = { display = %s, from = %d, to = %d }" % (loc("Thời " + per[0], per[1] + " period"), per[2], per[3]),
                "period = %s" % loc(per[0], per[1]),
                "culture = %s" % loc("Đại Việt", "Đại Việt"),
                "material = %s" % loc(*mat),
                "technique = %s" % loc("Nặn tay, nung", "Hand-formed, fired"),
                "dimensions = %s" % loc("Cao %d cm" % rng.randint(5, 120), "Height %d cm" % rng.randint(5, 120)),
                "find_place = %s" % loc("Hoa Lư, Ninh Bình", "Hoa Lư, Ninh Bình"),
                "credit = %s" % loc("Bản ghi thử tải", "Load-test record"),
                'rights = "CC BY 4.0"',
                "keywords = { vi = [%s], en = [%s] }" % (
                    ", ".join(q(rng.choice(WORDS_VI)) for _ in range(3)),
                    ", ".join(q(rng.choice(WORDS_EN)) for _ in range(3))),
            ]
            if k % 10 == 3 and k >= 2:
                lines.append("related = [%s, %s]" % (q(ids[k - 1]), q(ids[k - 2])))
            photo = rng.random() < share
            if photo:
                png(os.path.join(od, "photo.png"), 240, 180, k)
                lines += ["", "[[image]]", 'file = "photo.png"',
                          "alt = %s" % loc("Ảnh minh hoạ " + t_vi, "Illustration of " + t_en)]
            with open(os.path.join(od, "object.toml"), "w") as f:
                f.write("\n".join(lines) + "\n")
            texts = {}
            for lang, words in (("vi", WORDS_VI), ("en", WORDS_EN)):
                texts[lang] = paragraph(rng, words) + "\n\n" + paragraph(rng, words) + "\n"
                with open(os.path.join(od, "%s.md" % lang), "w") as f:
                    f.write(texts[lang])
            pages.append((oid, t_vi, t_en, texts))
    if hugo:
        write_hugo(hugo, pages)


def write_hugo(root, pages):
    os.makedirs(os.path.join(root, "layouts", "_default"), exist_ok=True)
    with open(os.path.join(root, "hugo.toml"), "w") as f:
        f.write('baseURL = "https://baotang.example/"\ntitle = "Load-test museum"\n'
                'disableKinds = ["taxonomy", "term", "RSS"]\n')
    layout = ("<!doctype html><html lang=\"{{ .Params.lang }}\"><head><meta charset=\"utf-8\">"
              "<title>{{ .Title }}</title></head><body><header><a href=\"/\">Home</a></header>"
              "<main><h1>{{ .Title }}</h1>{{ .Content }}</main></body></html>\n")
    for name in ("single.html", "list.html"):
        with open(os.path.join(root, "layouts", "_default", name), "w") as f:
            f.write(layout)
    for oid, t_vi, t_en, texts in pages:
        for lang, title, sub in (("vi", t_vi, "o"), ("en", t_en, "en-o")):
            d = os.path.join(root, "content", sub)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, oid + ".md"), "w") as f:
                f.write("---\ntitle: %s\nlang: %s\n---\n\n%s" % (q(title), lang, texts[lang]))


if __name__ == "__main__":
    main()
