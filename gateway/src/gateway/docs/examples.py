"""Examples of the public operations' requests and answers, by operation id, for the merged document.

Kept beside the merge (the ids are stable: ``resource.verb``), so one table shows a client developer a
whole journey in Vietnamese; a platform test validates each example against the operation's schemas.
"""

from __future__ import annotations

from typing import Any

TOKENS = {
    "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6IjIwMjYtMTIifQ.eyJzdWIiOiJjaXRpemVuLTVjMGYifQ.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "Yp0rX3vQ8m2LkT7cW1nB5sD9fH4jG6aZ",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "auth.request_otp": {
        "request": {"phone": "0905123456"},
        "response": {
            "challenge_id": "5c0f3a2e-9b1d-4e7a-8c6f-2d4b1a9e7f30",
            "expires_at": "2026-12-07T09:05:00+07:00",
        },
    },
    "auth.token": {
        "request": {
            "grant_type": "otp",
            "challenge_id": "5c0f3a2e-9b1d-4e7a-8c6f-2d4b1a9e7f30",
            "code": "482915",
        },
        "response": TOKENS,
    },
    "auth.login": {
        "request": {"username": "canbo.tuphap", "password": "motcua-canbo"},
        "response": {key: value for key, value in TOKENS.items() if key != "refresh_token"}
        | {"refresh_token": "Kd8sW2qP5vN1xR7tB3mJ9cF6gH4yL0aE"},
    },
    "auth.logout": {"request": {"refresh_token": "Yp0rX3vQ8m2LkT7cW1nB5sD9fH4jG6aZ"}},
    "dossiers.submit": {
        "request": {
            "procedure_code": "1.001193",
            "case_code": "dung-han",
            "agency_code": "hue.xa.phu-xuan",
            "applicant": {
                "name": "Hoàng Văn Nam",
                "cccd": "046190005678",
                "phone": "0905123456",
                "email": "hoangvannam@example.vn",
                "address": "5 Đinh Tiên Hoàng, phường Phú Xuân, thành phố Huế",
            },
            "form_data": {"ten_tre": "Hoàng Minh Khang", "ngay_sinh": "2026-11-30"},
        },
    },
    "dossiers.rate": {
        "request": {"rating": "satisfied", "comment": "Cán bộ hướng dẫn tận tình, trả kết quả đúng hẹn."},
        "response": {
            "dossier_code": "hue.xa.phu-xuan-261207-0001",
            "rating": "satisfied",
            "comment": "Cán bộ hướng dẫn tận tình, trả kết quả đúng hẹn.",
            "rated_at": "2026-12-10T15:20:00+07:00",
        },
    },
    "payments.create": {"request": {"dossier_code": "hue.so-tu-phap-261207-0042", "method": "vietqr"}},
    "notifications.create_stream_ticket": {
        "response": {
            "ticket": "tk_9f2c7a1e4b8d4c06a3e5f71b2d9c8e40",
            "expires_at": "2026-12-07T09:01:00+07:00",
            "stream_url": "http://127.0.0.1:8000/api/v1/stream?ticket=tk_9f2c7a1e4b8d4c06a3e5f71b2d9c8e40",
        }
    },
    "preferences.update": {
        "request": {
            "channels": {"sms": True, "email": False, "push": True, "in_app": True},
            "quiet_hours": {"start": "22:00", "end": "06:30"},
        },
        "response": {
            "channels": {"sms": True, "email": False, "push": True, "in_app": True},
            "quiet_hours": {"start": "22:00", "end": "06:30"},
            "timezone": "Asia/Ho_Chi_Minh",
            "always_sent": ["otp", "supplement_requested"],
        },
    },
    "calendar.due_date": {
        "response": {
            "start": "2026-02-13T09:00:00+07:00",
            "days": 5,
            "due_at": "2026-02-27T09:00:00+07:00",
            "working_hours": 40,
            "hours_per_day": 8,
            "days_off": [
                {"day": "2026-02-14", "reason": "Thứ bảy"},
                {"day": "2026-02-16", "reason": "Tết Nguyên Đán"},
            ],
        }
    },
    "calendar.days_off": {
        "response": {
            "items": [
                {"day": "2026-04-25", "reason": "Thứ bảy"},
                {"day": "2026-04-26", "reason": "Chủ nhật"},
                {"day": "2026-04-27", "reason": "Giỗ Tổ Hùng Vương"},
            ],
            "total": 3,
        }
    },
    "preferences.get": {
        "response": {
            "channels": {"sms": True, "email": True, "push": True, "in_app": True},
            "quiet_hours": {"start": "22:00", "end": "07:00"},
            "timezone": "Asia/Ho_Chi_Minh",
            "always_sent": ["otp", "supplement_requested"],
        }
    },
    "auth.me": {
        "response": {
            "subject": "5c0f3a2e-officer",
            "role": "officer",
            "agency_code": "hue.so-tu-phap",
            "display_name": "Nguyễn Thị Hương (Sở Tư pháp)",
            "username": "canbo.tuphap",
        }
    },
    "auth.create_staff": {
        "request": {
            "username": "canbo.congan",
            "password": "mat-khau-dai-va-kho-doan",
            "role": "officer",
            "display_name": "Phạm Quốc Bảo (Công an thành phố Huế)",
            "agency_code": "hue.cong-an",
        }
    },
    "auth.create_client": {
        "request": {"name": "Cổng dịch vụ công quốc gia", "scopes": ["events:read", "webhooks:write"]}
    },
    "dossiers.create_draft": {
        "request": {
            "procedure_code": "1.001193",
            "case_code": "dung-han",
            "applicant": {"name": "Hoàng Văn Nam", "phone": "0905123456"},
        }
    },
    "dossiers.update_draft": {
        "request": {
            "agency_code": "hue.xa.phu-xuan",
            "form_data": {"ten_tre": "Hoàng Minh Khang", "ngay_sinh": "2026-11-30"},
        }
    },
    "dossiers.act": {
        "request": {
            "reason": "Thiếu bản sao giấy chứng sinh có chứng thực.",
            "documents": ["giay-chung-sinh"],
            "note": "Đề nghị công dân bổ sung trong 5 ngày làm việc.",
        }
    },
    "procedures.withdraw": {
        "request": {"reason": "Thủ tục được thay thế theo Quyết định của UBND thành phố Huế."}
    },
    "payments.refund": {"request": {"amount": 100000, "reason": "Thu thừa lệ phí cấp phiếu lý lịch tư pháp"}},
    "payments.resolve_anomaly": {
        "request": {"action": "refunded", "note": "Đã hoàn tiền chuyển khoản trùng cho công dân."}
    },
    "payments.confirm_slip": {
        "request": {"bank_txn_id": "FT26341012345678", "note": "Khớp sao kê Vietcombank ngày 07/12/2026."}
    },
    "payments.reject_slip": {"request": {"reason": "Ảnh chứng từ không đọc được số tiền."}},
    "webhooks.create": {
        "request": {
            "url": "https://tichhop.example.vn/motcua/events",
            "event_types": [
                "vn.motcua.dossier.dossier.submitted.v1",
                "vn.motcua.payment.payment.succeeded.v1",
            ],
            "description": "Đồng bộ hồ sơ sang Cổng dịch vụ công quốc gia",
        }
    },
    "webhooks.update": {
        "request": {
            "description": "Chỉ nhận hồ sơ đã trả kết quả",
            "event_types": ["vn.motcua.dossier.dossier.result_returned.v1"],
        }
    },
}
"""``operationId`` → ``request`` (the JSON body) and ``response`` (the first success's JSON answer)."""


def attach(operation: dict[str, Any]) -> None:
    """Give ``operation`` its examples, where the document has none of its own."""
    example = EXAMPLES.get(str(operation.get("operationId")))
    if example is None:
        return
    if "request" in example:
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            body.setdefault("example", example["request"])
    if "response" in example:
        for status, response in sorted(operation.get("responses", {}).items()):
            if status.startswith("2"):
                media = response.get("content", {}).get("application/json")
                if media is not None:
                    media.setdefault("example", example["response"])
                break
