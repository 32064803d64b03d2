"""SYNTHETIC catalogues for scale tests and benchmarks only — never real, never seeded.

Every generated procedure has a code starting with ``SYN-``, ``code_kind`` ``synthetic``, a name ending in
``(dữ liệu tổng hợp)`` and a ``synthetic:`` source; the import refuses them in production. Names are
recombined from real procedure vocabulary so that searches behave as on a real catalogue of that size.
"""

from __future__ import annotations

import random
from typing import Any, Final

SYNTHETIC_SOURCE: Final = "synthetic://motcua/catalog-generator"
SYNTHETIC_SUFFIX: Final = "(dữ liệu tổng hợp)"

_ACTIONS = (
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Điều chỉnh",
    "Gia hạn",
    "Đăng ký",
    "Đăng ký thay đổi",
    "Xác nhận",
    "Thẩm định",
    "Phê duyệt",
    "Công nhận",
    "Thu hồi",
    "Chấm dứt",
    "Hỗ trợ",
    "Giải quyết",
)
_OBJECTS = (
    "giấy phép xây dựng",
    "giấy chứng nhận quyền sử dụng đất",
    "giấy khai sinh",
    "giấy chứng nhận kết hôn",
    "phiếu lý lịch tư pháp",
    "giấy chứng nhận đăng ký hộ kinh doanh",
    "giấy phép kinh doanh vận tải",
    "phù hiệu xe",
    "trợ cấp xã hội hằng tháng",
    "chế độ ưu đãi người có công",
    "giấy xác nhận khuyết tật",
    "giấy phép hoạt động giáo dục",
    "chứng chỉ hành nghề",
    "giấy phép khai thác nước",
    "giấy phép môi trường",
    "giấy chứng nhận an toàn thực phẩm",
    "giấy phép bán lẻ rượu",
    "giấy phép tổ chức lễ hội",
    "giấy phép dạy thêm, học thêm",
    "giấy phép sử dụng vật liệu nổ",
    "giấy chứng nhận đủ điều kiện",
)
_QUALIFIERS = (
    "đối với nhà ở riêng lẻ",
    "cho hộ gia đình, cá nhân",
    "cho tổ chức",
    "trong trường hợp bị mất, hỏng",
    "đối với công trình cấp III",
    "tại khu vực nông thôn",
    "cho người nước ngoài",
    "theo yêu cầu",
    "đối với cơ sở ngoài công lập",
    "trên địa bàn xã",
    "thuộc thẩm quyền cấp tỉnh",
    "",
)
_FIELDS = (
    "hotich",
    "chungthuc",
    "lylichtuphap",
    "datdai",
    "xaydung",
    "hokinhdoanh",
    "duongbo",
    "cutru",
    "baotroxahoi",
    "nguoicocong",
    "giaoduc",
    "thiduakhenthuong",
)
_PROVINCE_AGENCIES = (
    "hue.so-tu-phap",
    "hue.so-xay-dung",
    "hue.so-nong-nghiep-moi-truong",
    "hue.so-tai-chinh",
    "hue.so-noi-vu",
    "hue.so-giao-duc",
    "hue.so-y-te",
    "hue.so-cong-thuong",
)


def synthetic_procedures(count: int, *, seed: int = 20251128) -> list[dict[str, Any]]:
    """``count`` SYNTHETIC procedures as import rows (version 1), reproducible for a given ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    rows: list[dict[str, Any]] = []
    for n in range(1, count + 1):
        commune = rng.random() < 0.55
        online_level = rng.choice((2, 3, 4, 4))
        days = float(rng.choice((0, 1, 2, 3, 5, 7, 10, 15, 20, 30)))
        amount = rng.choice((0, 0, 5_000, 8_000, 15_000, 50_000, 100_000, 200_000))
        channels = ["online", "counter", "postal"] if online_level >= 3 else ["counter", "postal"]
        fees = (
            [{"name": "Lệ phí (tổng hợp)", "kind": "lệ_phí", "amount": amount, "exemption": None}]
            if amount
            else []
        )
        name = " ".join(
            part for part in (rng.choice(_ACTIONS), rng.choice(_OBJECTS), rng.choice(_QUALIFIERS)) if part
        )
        rows.append(
            {
                "code": f"SYN-{n:06d}",
                "code_kind": "synthetic",
                "version": 1,
                "name": f"{name} {SYNTHETIC_SUFFIX}",
                "field_code": rng.choice(_FIELDS),
                "levels": ["commune"] if commune else ["province"],
                "implementing_agency_code": "hue.ubnd-xa" if commune else rng.choice(_PROVINCE_AGENCIES),
                "competent_agency_code": None,
                "online_level": online_level,
                "online_mode": {4: "full", 3: "partial"}.get(online_level),
                "applicant_kinds": ["citizen"],
                "cases": [
                    {
                        "code": "chung",
                        "name": "Trường hợp chung",
                        "channels": [
                            {"channel": ch, "processing_days": days, "fee_items": fees} for ch in channels
                        ],
                    }
                ],
                "documents": [{"code": "don", "name": "Đơn đề nghị (tổng hợp)", "originals": 1, "copies": 0}],
                "steps": [
                    {"order": 1, "name": "Tiếp nhận", "role": "one_stop", "share_percent": 20},
                    {"order": 2, "name": "Giải quyết", "role": "specialist", "share_percent": 80},
                ],
                "fee_timing": "submission",
                "result": "Kết quả (tổng hợp)",
                "legal_basis": [],
                "keywords": [],
                "sources": [
                    {"url": SYNTHETIC_SOURCE, "note": "Dữ liệu tổng hợp để thử tải; không phải thủ tục thật."}
                ],
            }
        )
    return rows
