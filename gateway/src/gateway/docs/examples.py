"""Examples of the public operations' requests and answers, by operation id, for the merged document.

Kept beside the merge (the ids are stable: ``resource.verb``), so one table shows a client developer a
whole journey in Vietnamese; a platform test validates each example against the operation's schemas.
"""

from __future__ import annotations

from typing import Any

from gateway.identity.schemas import GRANT_TYPES

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

AGENCY_PHU_XUAN = {
    "code": "hue.xa.phu-xuan",
    "name": "Ủy ban nhân dân phường Phú Xuân",
    "level": "commune",
    "level_name": "Cấp xã",
    "parent_code": "hue.ubnd-xa",
    "former_names": [],
    "sources": [],
    "active": True,
    "dissolved_on": None,
    "note": None,
    "receives_dossiers": True,
}
SUBSCRIPTION = {
    "id": "wh_3f9a1c7e",
    "url": "https://tichhop.example.vn/motcua/events",
    "description": "Đồng bộ hồ sơ sang Cổng dịch vụ công quốc gia",
    "event_types": ["vn.motcua.dossier.dossier.submitted.v1", "vn.motcua.payment.payment.succeeded.v1"],
    "status": "active",
    "consecutive_failures": 0,
    "disabled_at": None,
    "disabled_reason": None,
    "previous_secret_expires_at": None,
    "created_at": "2026-12-07T09:00:00+07:00",
    "updated_at": "2026-12-07T09:00:00+07:00",
}
NOTIFICATION = {
    "id": "ntf_7b2d41c9",
    "seq": 42,
    "audience": "citizen",
    "event_type": "vn.motcua.dossier.dossier.received.v1",
    "template": "dossier.received",
    "dossier_code": "hue.xa.phu-xuan-261207-0001",
    "title": "Hồ sơ hue.xa.phu-xuan-261207-0001 đã được tiếp nhận",
    "body": "Ủy ban nhân dân phường Phú Xuân đã tiếp nhận hồ sơ hue.xa.phu-xuan-261207-0001 "
    "(Đăng ký khai sinh). Ngày hẹn trả kết quả: 08/12/2026.",
    "created_at": "2026-12-07T09:20:00+07:00",
    "read_at": None,
}
TEMPLATE = {
    "code": "dossier.received",
    "channel": "sms",
    "version": 2,
    "subject": "",
    "body": "Hồ sơ {{ dossier_code }} đã được tiếp nhận. Hẹn trả kết quả {{ due_at|ngay }}. "
    "Tra cứu tại motcua.vn",
    "created_by": "quantri",
    "created_at": "2026-12-07T08:00:00+07:00",
}
RECEIPT = {"delivery_id": "dlv_0c41b7e2", "status": "delivered", "changed": True}

EXAMPLES |= {
    "health.alive": {"response": {"status": "ok"}},
    "health.ready": {
        "response": {
            "status": "ready",
            "checks": {"catalog": "up", "dossier": "up", "payment": "up", "notify": "up"},
        }
    },
    "auth.jwks": {
        "response": {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "alg": "EdDSA",
                    "use": "sig",
                    "kid": "2026-12",
                    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                }
            ]
        }
    },
    "auth.discovery": {
        "response": {
            "issuer": "motcua",
            "jwks_uri": "http://127.0.0.1:8000/.well-known/jwks.json",
            "token_endpoint": "http://127.0.0.1:8000/api/v1/auth/token",
            "grant_types_supported": list(GRANT_TYPES),
            "id_token_signing_alg_values_supported": ["EdDSA"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }
    },
    "auth.rotate_keys": {"response": {"kid": "2027-01"}},
    "auth.create_client": {
        "request": EXAMPLES["auth.create_client"]["request"],
        "response": {
            "client_id": "cli_dvcqg_8d1e",
            "client_secret": "cs_Qm7vT2xL9pR4nW8kB1cZ6fH3jD5sG0aY",
            "name": "Cổng dịch vụ công quốc gia",
            "scopes": ["events:read", "webhooks:write"],
        },
    },
    "auth.create_staff": {
        "request": EXAMPLES["auth.create_staff"]["request"],
        "response": {
            "id": "staff-canbo-congan",
            "username": "canbo.congan",
            "role": "officer",
            "display_name": "Phạm Quốc Bảo (Công an thành phố Huế)",
            "agency_code": "hue.cong-an",
        },
    },
    "agencies.get": {"response": AGENCY_PHU_XUAN},
    "agencies.list": {
        "response": {
            "items": [
                {
                    "code": "hue.so-tu-phap",
                    "name": "Sở Tư pháp thành phố Huế",
                    "level": "province",
                    "level_name": "Cấp tỉnh",
                    "parent_code": "hue",
                    "former_names": ["Sở Tư pháp tỉnh Thừa Thiên Huế"],
                    "sources": [],
                    "active": True,
                    "dissolved_on": None,
                    "note": None,
                    "receives_dossiers": True,
                },
                AGENCY_PHU_XUAN,
            ],
            "levels": [
                {
                    "code": "province",
                    "name": "Cấp tỉnh",
                    "rank": 1,
                    "active": True,
                    "active_until": None,
                    "note": None,
                },
                {
                    "code": "commune",
                    "name": "Cấp xã",
                    "rank": 2,
                    "active": True,
                    "active_until": None,
                    "note": None,
                },
            ],
            "next_cursor": None,
            "total": 2,
        }
    },
    "fields.list": {
        "response": {
            "items": [
                {"code": "hotich", "name": "Hộ tịch", "procedure_count": 13},
                {"code": "chungthuc", "name": "Chứng thực", "procedure_count": 7},
                {"code": "lltp", "name": "Lý lịch tư pháp", "procedure_count": 3},
            ],
            "next_cursor": None,
            "total": 3,
        }
    },
    "preferences.push_key": {
        "response": {
            "vapid_public_key": "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3q"
            "BUYIHBQFLXYp5Nksh8U"
        }
    },
    "preferences.subscribe": {
        "request": {
            "endpoint": "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH3x",
            "keys": {
                "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1Xbjh"
                "azAkj7I99e8QcYP7DkM",
                "auth": "tBHItJI5svbpez7KI4CCXg",
            },
        },
        "response": {
            "id": "psub_41c9a7",
            "endpoint": "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH3x",
            "created_at": "2026-12-07T09:02:00+07:00",
        },
    },
    "preferences.list_subscriptions": {
        "response": [
            {
                "id": "psub_41c9a7",
                "endpoint": "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH3x",
                "created_at": "2026-12-07T09:02:00+07:00",
            }
        ]
    },
    "notifications.list": {
        "response": {"items": [NOTIFICATION], "next_cursor": None, "total": 1, "unread": 1}
    },
    "notifications.mark_read": {"response": NOTIFICATION | {"read_at": "2026-12-07T09:31:00+07:00"}},
    "deliveries.list": {
        "response": {
            "items": [
                {
                    "id": "dlv_0c41b7e2",
                    "channel": "sms",
                    "status": "delivered",
                    "event_type": "vn.motcua.dossier.dossier.received.v1",
                    "template": "dossier.received",
                    "template_version": 2,
                    "recipient_id": "citizen-5c0f",
                    "address": "+84905123456",
                    "agency_code": "hue.xa.phu-xuan",
                    "dossier_code": "hue.xa.phu-xuan-261207-0001",
                    "provider": "sandbox-sms",
                    "provider_message_id": "sms-88412",
                    "segments": 2,
                    "attempts": 1,
                    "last_error": None,
                    "next_attempt_at": None,
                    "created_at": "2026-12-07T09:20:00+07:00",
                    "sent_at": "2026-12-07T09:20:01+07:00",
                    "finished_at": "2026-12-07T09:20:05+07:00",
                }
            ],
            "next_cursor": None,
            "total": 1,
        }
    },
    "deliveries.sms_receipt": {"response": RECEIPT},
    "sandbox.sms_receipt": {"request": {"status": "delivered"}, "response": RECEIPT},
    "sandbox.list_sms": {
        "response": {
            "items": [
                {
                    "id": 17,
                    "message_id": "sms-88412",
                    "brandname": "MOTCUA",
                    "phone": "+84905123456",
                    "text": "Ma xac thuc MotCua cua ban la 482915. Het han sau 5 phut.",
                    "encoding": "GSM-7",
                    "segments": 1,
                    "received_at": "2026-12-07T09:00:01+07:00",
                }
            ],
            "next_cursor": None,
            "total": 1,
        }
    },
    "templates.list": {"response": {"items": [TEMPLATE], "total": 1}},
    "templates.history": {
        "response": {
            "items": [
                TEMPLATE,
                TEMPLATE
                | {
                    "version": 1,
                    "body": "Hồ sơ {{ dossier_code }} đã được tiếp nhận. Hẹn trả kết quả {{ due_at|ngay }}.",
                    "created_by": "system",
                    "created_at": "2026-12-01T00:00:00+07:00",
                },
            ],
            "total": 2,
        }
    },
    "templates.update": {"request": {"body": TEMPLATE["body"]}, "response": TEMPLATE},
    "templates.preview": {
        "request": {"body": TEMPLATE["body"]},
        "response": {
            "code": "dossier.received",
            "channel": "sms",
            "version": 2,
            "subject": "",
            "body": "Hồ sơ hue.xa.phu-xuan-261207-0001 đã được tiếp nhận. Hẹn trả kết quả 08/12/2026. "
            "Tra cứu tại motcua.vn",
            "sms": {
                "text": "Ho so hue.xa.phu-xuan-261207-0001 da duoc tiep nhan. Hen tra ket qua 08/12/2026. "
                "Tra cuu tai motcua.vn",
                "encoding": "GSM-7",
                "segments": 1,
                "units": 101,
            },
        },
    },
    "webhooks.create": {
        "request": EXAMPLES["webhooks.create"]["request"],
        "response": SUBSCRIPTION | {"secret": "whsec_5Yk2Qm8vT1xL7pR4nW9bC3fH6jD0sGaZ"},
    },
    "webhooks.get": {"response": SUBSCRIPTION},
    "webhooks.list": {"response": {"items": [SUBSCRIPTION], "total": 1}},
    "webhooks.update": {
        "request": EXAMPLES["webhooks.update"]["request"],
        "response": SUBSCRIPTION
        | EXAMPLES["webhooks.update"]["request"]
        | {"updated_at": "2026-12-08T10:00:00+07:00"},
    },
    "webhooks.enable": {"response": SUBSCRIPTION | {"updated_at": "2026-12-08T10:05:00+07:00"}},
    "webhooks.rotate_secret": {
        "response": SUBSCRIPTION
        | {
            "secret": "whsec_8Hn3Kp6wR2yM9tV5xB1cQ7fJ4gL0sDaE",
            "previous_secret_expires_at": "2026-12-09T10:00:00+07:00",
            "updated_at": "2026-12-08T10:00:00+07:00",
        }
    },
    "webhooks.event_types": {
        "response": {
            "items": [
                "vn.motcua.dossier.dossier.submitted.v1",
                "vn.motcua.dossier.dossier.received.v1",
                "vn.motcua.dossier.dossier.result_returned.v1",
                "vn.motcua.payment.payment.succeeded.v1",
            ]
        }
    },
    "webhooks.deliveries": {
        "response": {
            "items": [
                {
                    "id": "whd_62b0e4",
                    "event_id": "0d6f3c52-8a1e-4b7d-9c2f-5e4a1b3d7f60",
                    "event_type": "vn.motcua.dossier.dossier.submitted.v1",
                    "status": "delivered",
                    "attempts": 2,
                    "last_error": None,
                    "next_attempt_at": None,
                    "created_at": "2026-12-07T09:15:00+07:00",
                    "finished_at": "2026-12-07T09:15:31+07:00",
                    "log": [
                        {
                            "attempt": 1,
                            "at": "2026-12-07T09:15:00+07:00",
                            "outcome": "failed",
                            "status_code": 503,
                            "duration_ms": 212.4,
                            "error": "HTTP 503",
                        },
                        {
                            "attempt": 2,
                            "at": "2026-12-07T09:15:30+07:00",
                            "outcome": "delivered",
                            "status_code": 204,
                            "duration_ms": 88.1,
                            "error": None,
                        },
                    ],
                }
            ],
            "next_cursor": None,
            "total": 1,
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
