"""Demo reference data: real regions of the programs' areas and their police units.

Province, regency/city and district (kecamatan) codes follow Kemendagri's
numbering; village (kelurahan/desa) names are real, their last four digits are
numbered in list order (10xx for kelurahan, 20xx for desa) and may differ from
the official list. Coordinates are the approximate centre of each district.
"""

from __future__ import annotations

# (code, name, lat, lng, [(district_code, district_name, lat, lng, village_prefix, [villages])])
PROVINCES = [
    ("31", "DKI Jakarta", -6.2088, 106.8456),
    ("35", "Jawa Timur", -7.5361, 112.2384),
    ("36", "Banten", -6.4058, 106.0640),
    ("61", "Kalimantan Barat", -0.2788, 111.4753),
]

REGENCIES = [
    ("31.73", "Kota Administrasi Jakarta Barat", -6.1683, 106.7588),
    ("35.72", "Kota Blitar", -8.0954, 112.1609),
    ("36.03", "Kabupaten Tangerang", -6.1872, 106.4877),
    ("36.71", "Kota Tangerang", -6.1783, 106.6319),
    ("61.71", "Kota Pontianak", -0.0263, 109.3425),
]

DISTRICTS: list[tuple[str, str, float, float, str, list[str]]] = [
    # Jakarta Barat
    ("31.73.01", "Cengkareng", -6.1500, 106.7350, "10",
     ["Cengkareng Barat", "Cengkareng Timur", "Duri Kosambi", "Kapuk", "Kedaung Kali Angke", "Rawa Buaya"]),
    ("31.73.02", "Grogol Petamburan", -6.1650, 106.7900, "10",
     ["Grogol", "Jelambar", "Jelambar Baru", "Tanjung Duren Selatan", "Tanjung Duren Utara", "Tomang", "Wijaya Kusuma"]),
    ("31.73.03", "Taman Sari", -6.1450, 106.8150, "10",
     ["Glodok", "Keagungan", "Krukut", "Mangga Besar", "Maphar", "Pinangsia", "Taman Sari", "Tangki"]),
    ("31.73.04", "Tambora", -6.1500, 106.8000, "10",
     ["Angke", "Duri Selatan", "Duri Utara", "Jembatan Besi", "Jembatan Lima", "Kali Anyar", "Krendang",
      "Pekojan", "Roa Malaka", "Tambora", "Tanah Sereal"]),
    ("31.73.05", "Kebon Jeruk", -6.1950, 106.7700, "10",
     ["Duri Kepa", "Kebon Jeruk", "Kedoya Selatan", "Kedoya Utara", "Kelapa Dua", "Sukabumi Selatan", "Sukabumi Utara"]),
    ("31.73.06", "Kalideres", -6.1400, 106.7000, "10",
     ["Kalideres", "Kamal", "Pegadungan", "Semanan", "Tegal Alur"]),
    ("31.73.07", "Palmerah", -6.1950, 106.7950, "10",
     ["Jatipulo", "Kemanggisan", "Kota Bambu Selatan", "Kota Bambu Utara", "Palmerah", "Slipi"]),
    ("31.73.08", "Kembangan", -6.1900, 106.7400, "10",
     ["Joglo", "Kembangan Selatan", "Kembangan Utara", "Meruya Selatan", "Meruya Utara", "Srengseng"]),
    # Kota Blitar
    ("35.72.01", "Sukorejo", -8.0870, 112.1600, "10",
     ["Blitar", "Karangsari", "Pakunden", "Sukorejo", "Tanjungsari", "Tlumpu", "Turi"]),
    ("35.72.02", "Kepanjenkidul", -8.1000, 112.1700, "10",
     ["Bendogerit", "Kauman", "Kepanjenkidul", "Kepanjenlor", "Ngadirejo", "Sentul", "Tanggung"]),
    ("35.72.03", "Sananwetan", -8.0950, 112.1850, "10",
     ["Bendo", "Gedog", "Karangtengah", "Klampok", "Plosokerep", "Rembang", "Sananwetan"]),
    # Kabupaten Tangerang (Mataraksa, Polresta Tangerang)
    ("36.03.01", "Balaraja", -6.2000, 106.4500, "20",
     ["Cangkudu", "Gembong", "Saga", "Sentul", "Sentul Jaya", "Sukamurni", "Talagasari"]),
    ("36.03.03", "Tigaraksa", -6.2650, 106.4750, "20",
     ["Cisereh", "Margasari", "Pasir Bolang", "Pasir Nangka", "Pematang", "Sodong", "Tapos"]),
    ("36.03.12", "Pasar Kemis", -6.1700, 106.5300, "20",
     ["Gelam Jaya", "Kuta Baru", "Kuta Bumi", "Kuta Jaya", "Pangadegan", "Sukaasih", "Sukamantri"]),
    ("36.03.17", "Curug", -6.2640, 106.5560, "20",
     ["Binong", "Cukanggalih", "Curug Kulon", "Curug Wetan", "Kadu", "Kadu Jaya", "Sukabakti"]),
    ("36.03.18", "Cikupa", -6.2200, 106.5100, "20",
     ["Bitung Jaya", "Bojong", "Budi Mulya", "Cibadak", "Cikupa", "Dukuh", "Pasir Gadung", "Sukadamai",
      "Talaga", "Talagasari"]),
    ("36.03.28", "Kelapa Dua", -6.2400, 106.6100, "10",
     ["Bencongan", "Bencongan Indah", "Bojong Nangka", "Curug Sangereng", "Kelapa Dua", "Pakulonan Barat"]),
    # Kota Tangerang
    ("36.71.01", "Tangerang", -6.1783, 106.6319, "10",
     ["Babakan", "Buaran Indah", "Cikokol", "Kelapa Indah", "Sukaasih", "Sukarasa", "Sukasari", "Tanah Tinggi"]),
    ("36.71.05", "Cipondoh", -6.1855, 106.6980, "10",
     ["Cipondoh", "Cipondoh Indah", "Cipondoh Makmur", "Gondrong", "Kenanga", "Ketapang", "Petir",
      "Poris Plawad", "Poris Plawad Indah", "Poris Plawad Utara"]),
    ("36.71.06", "Ciledug", -6.2276, 106.7089, "10",
     ["Paninggilan", "Paninggilan Utara", "Parung Serab", "Sudimara Barat", "Sudimara Jaya",
      "Sudimara Selatan", "Sudimara Timur", "Tajur"]),
    ("36.71.07", "Karawaci", -6.1807, 106.6051, "10",
     ["Bojong Jaya", "Cimone", "Cimone Jaya", "Karawaci", "Karawaci Baru", "Koang Jaya", "Margasari",
      "Nusa Jaya", "Pabuaran", "Pabuaran Tumpeng", "Pasar Baru", "Sukajadi", "Sumur Pancing"]),
    # Kota Pontianak
    ("61.71.01", "Pontianak Selatan", -0.0430, 109.3420, "10",
     ["Akcaya", "Benua Melayu Darat", "Benua Melayu Laut", "Kota Baru", "Parit Tokaya"]),
    ("61.71.02", "Pontianak Timur", -0.0420, 109.3650, "10",
     ["Banjar Serasan", "Dalam Bugis", "Parit Mayor", "Saigon", "Tambelan Sampit", "Tanjung Hilir", "Tanjung Hulu"]),
    ("61.71.03", "Pontianak Barat", -0.0330, 109.3150, "10",
     ["Pal Lima", "Sungai Beliung", "Sungai Jawi Dalam", "Sungai Jawi Luar"]),
    ("61.71.04", "Pontianak Utara", 0.0000, 109.3350, "10",
     ["Batu Layang", "Siantan Hilir", "Siantan Hulu", "Siantan Tengah"]),
    ("61.71.05", "Pontianak Kota", -0.0400, 109.3250, "10",
     ["Darat Sekip", "Mariana", "Sungai Bangkong", "Sungai Jawi", "Tengah"]),
    ("61.71.06", "Pontianak Tenggara", -0.0700, 109.3600, "10",
     ["Bangka Belitung Darat", "Bangka Belitung Laut", "Bansir Darat", "Bansir Laut"]),
]

# (slug, name, level, parent slug, [region codes of the jurisdiction])
UNITS = [
    ("polda-metro-jaya", "Polda Metro Jaya", 1, None, ["31", "36.71"]),
    ("polda-banten", "Polda Banten", 1, None, ["36"]),
    ("polda-kalbar", "Polda Kalimantan Barat", 1, None, ["61"]),
    ("polda-jatim", "Polda Jawa Timur", 1, None, ["35"]),
    ("polres-metro-jakarta-barat", "Polres Metro Jakarta Barat", 2, "polda-metro-jaya", ["31.73"]),
    ("polres-metro-tangerang-kota", "Polres Metro Tangerang Kota", 2, "polda-metro-jaya", ["36.71"]),
    ("polresta-tangerang", "Polresta Tangerang", 2, "polda-banten", ["36.03"]),
    ("polresta-pontianak", "Polresta Pontianak Kota", 2, "polda-kalbar", ["61.71"]),
    ("polres-blitar-kota", "Polres Blitar Kota", 2, "polda-jatim", ["35.72"]),
    ("polsek-cengkareng", "Polsek Cengkareng", 3, "polres-metro-jakarta-barat", ["31.73.01"]),
    ("polsek-grogol-petamburan", "Polsek Grogol Petamburan", 3, "polres-metro-jakarta-barat", ["31.73.02"]),
    ("polsek-taman-sari", "Polsek Taman Sari", 3, "polres-metro-jakarta-barat", ["31.73.03"]),
    ("polsek-tambora", "Polsek Tambora", 3, "polres-metro-jakarta-barat", ["31.73.04"]),
    ("polsek-kebon-jeruk", "Polsek Kebon Jeruk", 3, "polres-metro-jakarta-barat", ["31.73.05"]),
    ("polsek-kalideres", "Polsek Kalideres", 3, "polres-metro-jakarta-barat", ["31.73.06"]),
    ("polsek-palmerah", "Polsek Palmerah", 3, "polres-metro-jakarta-barat", ["31.73.07"]),
    ("polsek-kembangan", "Polsek Kembangan", 3, "polres-metro-jakarta-barat", ["31.73.08"]),
    ("polsek-cikupa", "Polsek Cikupa", 3, "polresta-tangerang", ["36.03.18"]),
    ("polsek-curug", "Polsek Curug", 3, "polresta-tangerang", ["36.03.17", "36.03.28"]),
    ("polsek-pasar-kemis", "Polsek Pasar Kemis", 3, "polresta-tangerang", ["36.03.12"]),
    ("polsek-balaraja", "Polsek Balaraja", 3, "polresta-tangerang", ["36.03.01", "36.03.03"]),
    ("polsek-pontianak-selatan", "Polsek Pontianak Selatan", 3, "polresta-pontianak", ["61.71.01", "61.71.06"]),
    ("polsek-pontianak-utara", "Polsek Pontianak Utara", 3, "polresta-pontianak", ["61.71.04"]),
    ("polsek-sukorejo", "Polsek Sukorejo", 3, "polres-blitar-kota", ["35.72.01"]),
    ("polsek-kepanjenkidul", "Polsek Kepanjenkidul", 3, "polres-blitar-kota", ["35.72.02"]),
    ("polsek-sananwetan", "Polsek Sananwetan", 3, "polres-blitar-kota", ["35.72.03"]),
]

# (slug, name, unit slug, target, area codes, starts_on, summary)
PROGRAMS = [
    ("mataraksa", "Mataraksa", "polresta-tangerang", 1000, ["36.03"], "2023-06-13",
     "Kolaborasi Polresta Tangerang dan masyarakat: 1.000 CCTV warga di perumahan, kawasan "
     "industri dan rumah pribadi, terintegrasi ke Command Center Polresta Tangerang."),
    ("cctv-no-blindspot", "CCTV No Blindspot", "polres-metro-jakarta-barat", 20000, ["31.73"], "2023-03-01",
     "Tiga tahap: Bhabinkamtibmas mendata CCTV, sudut kamera diatur agar saling mengcover, lalu "
     "CCTV dihubungkan ke Command Center Polres Metro Jakarta Barat dan diberi stiker."),
    ("pontianak-terintegrasi", "Pontianak Terintegrasi", "polresta-pontianak", 500, ["61.71"], "2024-02-01",
     "CCTV warga dan usaha di Kota Pontianak terhubung dengan Polresta Pontianak Kota."),
    ("blitar-kota-aman", "Blitar Kota Aman", "polres-blitar-kota", 300, ["35.72"], "2024-01-15",
     "300 titik CCTV warga dan instansi di Kota Blitar terintegrasi dengan Polres Blitar Kota."),
]
