"""Static reference data: every name a manager would say, in English and Chinese.

Company, supplier and customer names are fictional but written to read like real ones.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

# --- plants and lines -------------------------------------------------------------


class Plant(NamedTuple):
    plant_id: str
    name: str
    name_zh: str
    city: str
    opened_on: dt.date


PLANTS: tuple[Plant, ...] = (
    Plant("SZ", "Suzhou", "苏州", "Suzhou", dt.date(2008, 5, 12)),
    Plant("NB", "Ningbo", "宁波", "Ningbo", dt.date(2012, 9, 3)),
    Plant("CQ", "Chongqing", "重庆", "Chongqing", dt.date(2016, 3, 15)),
)

FAMILIES: tuple[str, ...] = ("brake", "steering", "transmission", "electrical")

# Line layout per plant: (product family, machines per line at scale 1).
LINE_LAYOUT: dict[str, tuple[tuple[str, int], ...]] = {
    "SZ": (("brake", 8), ("transmission", 9), ("steering", 8), ("electrical", 9)),
    "NB": (("steering", 8), ("brake", 8), ("transmission", 9), ("electrical", 8)),
    "CQ": (("brake", 8), ("transmission", 8), ("steering", 7), ("electrical", 9)),
}

# --- machines ---------------------------------------------------------------------

MACHINE_TYPES: tuple[str, ...] = ("cnc", "press", "injection_molding", "assembly", "paint", "test_bench")

# Cells on a line cycle through these types (scale k repeats the cycle).
LINE_MACHINE_CYCLE: dict[str, tuple[str, ...]] = {
    "brake": ("cnc", "cnc", "press", "paint", "assembly", "cnc", "test_bench", "assembly", "cnc"),
    "transmission": ("cnc", "cnc", "cnc", "press", "assembly", "cnc", "test_bench", "cnc", "assembly"),
    "steering": ("press", "cnc", "cnc", "assembly", "assembly", "cnc", "test_bench", "press", "assembly"),
    "electrical": ("injection_molding", "assembly", "assembly", "injection_molding", "test_bench",
                   "assembly", "injection_molding", "assembly", "test_bench"),
}

MACHINE_MODELS: dict[str, tuple[str, ...]] = {
    "cnc": ("DMG MORI NHX 5000", "Mazak HCN-5000", "Okuma MB-5000H", "Haas EC-400"),
    "press": ("Schuler MSD 800", "AIDA NS2-2000", "Komatsu H2F 300"),
    "injection_molding": ("Haitian Mars MA 3800", "Engel victory 200", "Arburg Allrounder 570"),
    "assembly": ("KUKA KR 210 assembly cell", "FANUC M-20iD assembly cell", "Bosch Rexroth assembly cell"),
    "paint": ("Durr EcoRP E043 paint cell", "ABB IRB 5500 paint cell"),
    "test_bench": ("Burke Porter end-of-line tester", "Kistler maXYmos test bench", "Link brake dynamometer"),
}

# Per machine type: cycle-time factor, running kW, breakdown rate per shift.
MACHINE_TYPE_PARAMS: dict[str, tuple[float, float, float]] = {
    "cnc": (1.10, 22.0, 0.035),
    "press": (0.75, 38.0, 0.038),
    "injection_molding": (0.85, 27.0, 0.032),
    "assembly": (0.95, 7.0, 0.018),
    "paint": (0.90, 31.0, 0.026),
    "test_bench": (0.70, 9.0, 0.014),
}

# --- shifts -----------------------------------------------------------------------

# shift_id, name, name_zh, start hour, end hour (B ends at midnight).
SHIFTS: tuple[tuple[str, str, str, int, int], ...] = (
    ("A", "Day", "白班", 8, 16),
    ("B", "Evening", "中班", 16, 0),
    ("C", "Night", "夜班", 0, 8),
)
SHIFT_START_HOUR: tuple[int, ...] = (8, 16, 0)
SHIFT_MINUTES: float = 480.0

# --- materials and suppliers --------------------------------------------------------


class Material(NamedTuple):
    material_id: str
    name: str
    name_zh: str
    material_type: str
    unit: str
    standard_cost: float


MATERIALS: tuple[Material, ...] = (
    Material("MAT-ST01", "Cold-rolled steel coil SPCC 2.0 mm", "冷轧钢卷 SPCC 2.0mm", "steel", "kg", 6.20),
    Material("MAT-ST02", "Alloy steel bar 42CrMo 40 mm", "合金结构钢棒 42CrMo 40mm", "steel", "kg", 9.80),
    Material("MAT-ST03", "Gear steel 20CrMnTi forging blank", "齿轮钢 20CrMnTi 锻坯", "steel", "kg", 11.50),
    Material("MAT-AL01", "Aluminium alloy ingot A356", "铝合金锭 A356", "aluminium", "kg", 21.40),
    Material("MAT-AL02", "Die-casting aluminium alloy ADC12", "压铸铝合金 ADC12", "aluminium", "kg", 19.60),
    Material("MAT-AL03", "Aluminium extrusion 6061-T6", "铝型材 6061-T6", "aluminium", "kg", 26.80),
    Material("MAT-RS01", "PA66-GF30 nylon resin", "PA66-GF30 尼龙树脂", "resin", "kg", 32.00),
    Material("MAT-RS02", "PBT-GF30 resin", "PBT-GF30 树脂", "resin", "kg", 24.50),
    Material("MAT-EC01", "32-bit automotive microcontroller", "32位车规级微控制器", "electronic components", "pcs",
             18.60),
    Material("MAT-EC02", "Power MOSFET 60 V", "60V 功率 MOSFET", "electronic components", "pcs", 2.40),
    Material("MAT-EC03", "Four-layer printed circuit board", "四层印制电路板", "electronic components", "pcs", 7.90),
    Material("MAT-FS01", "Hex flange bolt M8x25 grade 10.9", "六角法兰螺栓 M8x25 10.9级", "fasteners", "pcs", 0.18),
    Material("MAT-FS02", "Nylon insert lock nut M10", "尼龙嵌件锁紧螺母 M10", "fasteners", "pcs", 0.12),
    Material("MAT-PT01", "Epoxy primer, grey", "环氧底漆（灰）", "paint", "L", 38.00),
    Material("MAT-PT02", "Black powder coating RAL 9005", "黑色粉末涂料 RAL 9005", "paint", "kg", 29.00),
)


class Supplier(NamedTuple):
    supplier_id: str
    name: str
    name_zh: str
    country: str
    category: str
    lead_days: int
    late_rate: float


SUPPLIERS: tuple[Supplier, ...] = (
    Supplier("SUP-01", "Dongfang Special Steel", "东方特钢", "China", "steel", 10, 0.03),
    Supplier("SUP-02", "Jiangsu Huaxin Steel", "江苏华信钢铁", "China", "steel", 8, 0.04),
    Supplier("SUP-03", "Hanseong Steel", "韩星钢铁", "South Korea", "steel", 24, 0.03),
    Supplier("SUP-04", "Hengtai Metals", "恒泰金属", "China", "aluminium", 9, 0.03),
    Supplier("SUP-05", "Minghua Aluminium", "明华铝业", "China", "aluminium", 10, 0.02),
    Supplier("SUP-06", "Tokai Alloy Co., Ltd.", "东海合金", "Japan", "aluminium", 28, 0.02),
    Supplier("SUP-07", "Zhongke Polymer Materials", "中科高分子材料", "China", "resin", 12, 0.03),
    Supplier("SUP-08", "Weida Electronics", "伟达电子", "China", "electronic components", 21, 0.03),
    Supplier("SUP-09", "Kessler Elektronik GmbH", "凯斯勒电子", "Germany", "electronic components", 42, 0.03),
    Supplier("SUP-10", "Shanghai Precision Fasteners", "上海精密紧固件", "China", "fasteners", 7, 0.02),
    Supplier("SUP-11", "Ningbo Jinding Fasteners", "宁波金鼎紧固件", "China", "fasteners", 6, 0.03),
    Supplier("SUP-12", "Lianhe Coatings", "联合涂料", "China", "paint", 9, 0.02),
)

# --- products ---------------------------------------------------------------------


class Product(NamedTuple):
    product_id: str
    sku: str
    name: str
    name_zh: str
    family: str
    base_ct_s: float
    unit_cost: float
    unit_price: float
    bom: dict[str, float]  # material_id -> usage per unit


PRODUCTS: tuple[Product, ...] = (
    Product("P1001", "BRK-FC-1001", "Front Brake Caliper", "前制动钳", "brake", 60, 185.00, 238.00,
            {"MAT-AL01": 2.1, "MAT-FS01": 4, "MAT-PT01": 0.04}),
    Product("P1002", "BRK-RC-1002", "Rear Brake Caliper", "后制动钳", "brake", 52, 142.00, 182.00,
            {"MAT-AL01": 1.6, "MAT-FS01": 4, "MAT-PT01": 0.03}),
    Product("P1003", "BRK-VD-1003", "Ventilated Brake Disc 320 mm", "320mm 通风制动盘", "brake", 48, 96.00, 128.00,
            {"MAT-ST01": 7.8, "MAT-PT01": 0.02}),
    Product("P1004", "BRK-MC-1004", "Brake Master Cylinder", "制动主缸", "brake", 66, 118.00, 156.00,
            {"MAT-AL03": 0.9, "MAT-FS02": 2}),
    Product("P1005", "BRK-EP-1005", "Electric Parking Brake Actuator", "电子驻车制动执行器", "brake", 72,
            265.00, 338.00, {"MAT-AL01": 0.8, "MAT-FS01": 3}),
    Product("P1006", "BRK-BP-1006", "Brake Pedal Assembly", "制动踏板总成", "brake", 45, 74.00, 98.00,
            {"MAT-ST01": 2.4, "MAT-FS02": 3, "MAT-PT02": 0.05}),
    Product("P2001", "STR-RP-2001", "Rack-and-Pinion Steering Gear", "齿轮齿条转向器", "steering", 95, 420.00, 545.00,
            {"MAT-ST02": 4.8, "MAT-AL02": 1.9, "MAT-FS01": 6}),
    Product("P2002", "STR-EC-2002", "Electric Power Steering Column", "电动助力转向管柱", "steering", 88,
            610.00, 780.00, {"MAT-ST02": 3.1, "MAT-AL02": 1.2, "MAT-FS01": 4}),
    Product("P2003", "STR-TR-2003", "Outer Tie Rod End", "转向横拉杆外球头", "steering", 38, 36.00, 48.00,
            {"MAT-ST02": 0.9, "MAT-FS02": 1}),
    Product("P2004", "STR-KN-2004", "Steering Knuckle", "转向节", "steering", 70, 128.00, 166.00,
            {"MAT-ST02": 5.6, "MAT-PT02": 0.06}),
    Product("P2005", "STR-IS-2005", "Steering Intermediate Shaft", "转向中间轴", "steering", 50, 58.00, 76.00,
            {"MAT-ST02": 1.8, "MAT-FS02": 2}),
    Product("P2006", "STR-MH-2006", "EPS Motor Housing", "EPS 电机壳体", "steering", 64, 82.00, 108.00,
            {"MAT-AL02": 1.4, "MAT-FS01": 4}),
    Product("P3001", "TRN-TH-3001", "Transmission Housing 7DCT", "7DCT 变速器壳体", "transmission", 140, 520.00, 668.00,
            {"MAT-AL02": 9.6, "MAT-FS01": 12}),
    Product("P3002", "TRN-CH-3002", "Clutch Housing 7DCT", "7DCT 离合器壳体", "transmission", 118, 365.00, 472.00,
            {"MAT-AL02": 6.8, "MAT-FS01": 8}),
    Product("P3003", "TRN-GS-3003", "6-Speed Gear Set", "六速齿轮组", "transmission", 150, 690.00, 880.00,
            {"MAT-ST03": 14.5}),
    Product("P3004", "TRN-OS-3004", "Transmission Output Shaft", "变速器输出轴", "transmission", 85, 112.00, 146.00,
            {"MAT-ST03": 3.9}),
    Product("P3005", "TRN-DC-3005", "Differential Case", "差速器壳", "transmission", 96, 168.00, 215.00,
            {"MAT-ST03": 6.2, "MAT-FS01": 8}),
    Product("P3006", "TRN-VB-3006", "Hydraulic Valve Body", "液压阀体", "transmission", 125, 310.00, 398.00,
            {"MAT-AL02": 3.2, "MAT-FS02": 6}),
    Product("P4001", "ELC-ECU-4001", "Engine Control Unit", "发动机控制单元", "electrical", 42, 310.00, 410.00,
            {"MAT-RS02": 0.18, "MAT-EC01": 1, "MAT-EC02": 8, "MAT-EC03": 1}),
    Product("P4002", "ELC-WH-4002", "Main Wiring Harness", "主线束", "electrical", 58, 165.00, 214.00,
            {"MAT-RS02": 0.35, "MAT-RS01": 0.2}),
    Product("P4003", "ELC-BMS-4003", "Battery Management Module", "电池管理模块", "electrical", 46, 385.00, 498.00,
            {"MAT-RS01": 0.22, "MAT-EC01": 1, "MAT-EC02": 12, "MAT-EC03": 1}),
    Product("P4004", "ELC-LED-4004", "LED Headlamp Driver", "LED 大灯驱动模块", "electrical", 30, 74.00, 99.00,
            {"MAT-RS01": 0.08, "MAT-EC01": 1, "MAT-EC02": 4, "MAT-EC03": 1}),
    Product("P4005", "ELC-WSS-4005", "Wheel Speed Sensor", "轮速传感器", "electrical", 22, 21.00, 29.00,
            {"MAT-RS01": 0.05, "MAT-EC02": 1}),
    Product("P4006", "ELC-DC-4006", "DC-DC Converter 3 kW", "3kW DC-DC 转换器", "electrical", 64, 540.00, 705.00,
            {"MAT-AL03": 1.1, "MAT-EC01": 1, "MAT-EC02": 16, "MAT-EC03": 2, "MAT-FS01": 6}),
)

# Which products each line runs (story 1 needs NB-L3 to make both 7DCT housings).
LINE_PRODUCTS: dict[str, tuple[str, ...]] = {
    "SZ-L1": ("P1001", "P1002", "P1003", "P1005"),
    "SZ-L2": ("P3001", "P3003", "P3004", "P3005", "P3006"),
    "SZ-L3": ("P2001", "P2002", "P2004", "P2005"),
    "SZ-L4": ("P4001", "P4003", "P4004", "P4006"),
    "NB-L1": ("P2001", "P2003", "P2005", "P2006"),
    "NB-L2": ("P1002", "P1003", "P1004", "P1006"),
    "NB-L3": ("P3001", "P3002", "P3004", "P3006"),
    "NB-L4": ("P4002", "P4004", "P4005"),
    "CQ-L1": ("P1001", "P1004", "P1005", "P1006"),
    "CQ-L2": ("P3002", "P3003", "P3005"),
    "CQ-L3": ("P2002", "P2003", "P2004", "P2006"),
    "CQ-L4": ("P4001", "P4002", "P4003", "P4005", "P4006"),
}

# --- customers --------------------------------------------------------------------


class Customer(NamedTuple):
    customer_id: str
    name: str
    name_zh: str
    region: str
    country: str
    families: tuple[str, ...]
    weight: float


CUSTOMERS: tuple[Customer, ...] = (
    Customer("C001", "Changjiang Motor Group", "长江汽车集团", "East China", "China",
             ("brake", "transmission", "steering"), 3.0),
    Customer("C002", "Huaxia Automobile", "华夏汽车", "North China", "China", ("brake", "steering", "electrical"), 2.5),
    Customer("C003", "Dongyue Auto", "东岳汽车", "East China", "China", ("steering", "electrical"), 1.5),
    Customer("C004", "Zhongtian New Energy Vehicles", "中天新能源汽车", "South China", "China",
             ("electrical", "brake"), 2.5),
    Customer("C005", "Xinghai Motors", "星海汽车", "South China", "China", ("brake", "transmission"), 1.5),
    Customer("C006", "Tianfu Automotive", "天府汽车", "Southwest China", "China",
             ("transmission", "steering", "brake"), 2.0),
    Customer("C007", "Shanhe Heavy Trucks", "山河重卡", "North China", "China", ("brake", "steering"), 1.0),
    Customer("C008", "Lanling Auto", "兰陵汽车", "East China", "China", ("electrical", "transmission"), 1.0),
    Customer("C009", "Jinling Electric Vehicles", "金陵电动汽车", "East China", "China", ("electrical",), 1.5),
    Customer("C010", "Nordstern Automobil GmbH", "北星汽车", "Europe", "Germany", ("transmission", "brake"), 1.5),
    Customer("C011", "Aurelia Motori S.p.A.", "奥瑞莉亚汽车", "Europe", "Italy", ("steering",), 0.8),
    Customer("C012", "Kanto Motor Corporation", "关东汽车", "Asia Pacific", "Japan",
             ("transmission", "electrical"), 2.0),
    Customer("C013", "Hanbit Motors", "韩光汽车", "Asia Pacific", "South Korea", ("brake", "electrical"), 1.0),
    Customer("C014", "Meridian Motor Company", "子午线汽车", "North America", "United States",
             ("steering", "transmission"), 1.2),
    Customer("C015", "Yuntu Auto", "云途汽车", "Southwest China", "China", ("electrical", "steering"), 1.2),
)

# --- quality and downtime vocabularies ------------------------------------------------

DEFECT_TYPES: tuple[tuple[str, str], ...] = (
    ("scratch", "划伤"),
    ("dimension_out_of_tolerance", "尺寸超差"),
    ("crack", "裂纹"),
    ("porosity", "气孔"),
    ("burr", "毛刺"),
    ("assembly_error", "装配错误"),
    ("paint_defect", "涂装缺陷"),
)
SEVERITIES: tuple[str, ...] = ("minor", "major", "critical")
# Per defect type: P(minor), P(major), P(critical).
SEVERITY_PROBS: tuple[tuple[float, float, float], ...] = (
    (0.85, 0.14, 0.01), (0.30, 0.60, 0.10), (0.05, 0.45, 0.50), (0.40, 0.50, 0.10),
    (0.80, 0.19, 0.01), (0.35, 0.55, 0.10), (0.75, 0.24, 0.01),
)
# Per family: weights over DEFECT_TYPES (order above).
FAMILY_DEFECT_MIX: dict[str, tuple[float, ...]] = {
    "brake": (0.18, 0.24, 0.04, 0.22, 0.12, 0.06, 0.14),
    "steering": (0.18, 0.34, 0.06, 0.06, 0.20, 0.14, 0.02),
    "transmission": (0.14, 0.32, 0.05, 0.22, 0.22, 0.05, 0.00),
    "electrical": (0.22, 0.12, 0.02, 0.02, 0.04, 0.58, 0.00),
}
# Base scrap fraction per family.
FAMILY_SCRAP: dict[str, float] = {"brake": 0.016, "steering": 0.012, "transmission": 0.019, "electrical": 0.009}

DOWNTIME_REASONS: tuple[tuple[str, str, str], ...] = (
    ("changeover", "换型", "planned"),
    ("preventive_maintenance", "预防性维护", "planned"),
    ("breakdown", "设备故障", "unplanned"),
    ("material_shortage", "缺料", "unplanned"),
    ("quality_hold", "质量停线", "unplanned"),
    ("no_operator", "缺操作工", "unplanned"),
)

WO_STATUSES: tuple[str, ...] = ("planned", "in_progress", "completed", "cancelled")
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
PRIORITY_PROBS: tuple[float, ...] = (0.15, 0.60, 0.20, 0.05)

# (issue, issue_zh, family or "" for any).
COMPLAINT_ISSUES: tuple[tuple[str, str, str], ...] = (
    ("Brake noise at vehicle end-of-line test", "整车下线检测发现制动异响", "brake"),
    ("Paint peeling on caliper surface", "制动钳表面掉漆", "brake"),
    ("Porosity found during customer machining", "客户加工时发现气孔", "brake"),
    ("Excessive play in tie rod joint", "横拉杆球头间隙过大", "steering"),
    ("Steering torque out of specification", "转向扭矩超出规格", "steering"),
    ("Oil leak at housing sealing face", "壳体密封面渗油", "transmission"),
    ("Bore diameter out of tolerance", "孔径尺寸超差", "transmission"),
    ("Gear noise at end-of-line test", "下线检测齿轮异响", "transmission"),
    ("Connector pin bent", "连接器针脚弯曲", "electrical"),
    ("Intermittent CAN communication fault", "CAN 通讯间歇性故障", "electrical"),
    ("Solder joint failure after thermal cycling", "热循环后焊点失效", "electrical"),
    ("Wrong quantity in delivery", "交付数量错误", ""),
    ("Damaged packaging on arrival", "到货包装破损", ""),
    ("Missing traceability label", "缺少追溯标签", ""),
)
STORY_COMPLAINT: tuple[str, str] = (
    "Cracks found on transmission housings at incoming inspection", "来料检验发现变速器壳体裂纹",
)

# --- planted story anchors ------------------------------------------------------------

STORY1_LINE = "NB-L3"
STORY1_MATERIAL = "MAT-AL02"
STORY1_LOT_QTY = 38_000.0  # kg: two truckloads of ingots, melted in with other lots
STORY1_SUPPLIER = "SUP-04"  # Hengtai Metals
STORY1_PRODUCTS: tuple[str, str] = ("P3001", "P3002")
STORY1_CUSTOMERS: tuple[str, str] = ("C001", "C012")  # the first one files the complaint
STORY2_LINE = "SZ-L2"
STORY2_MACHINE_INDEX = 2  # SZ-L2-M03, a CNC cell
STORY2_WEEKLY_BREAKDOWNS: tuple[int, ...] = (0, 1, 1, 1, 2, 3, 4, 5)  # oldest week first
STORY3_PLANT = "CQ"
STORY4_SUPPLIER = "SUP-08"  # Weida Electronics
STORY5_PLANT = "CQ"
STORY5_MATERIAL = "MAT-EC01"  # supplied by the late supplier
