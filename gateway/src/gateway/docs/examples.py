"""Examples of the public operations' requests and answers, by operation id, for the merged document.

Kept beside the merge (the ids are stable: ``resource.verb``), so one table shows a client developer a
whole journey in Vietnamese; a platform test validates each example against the operation's schemas.
"""

from __future__ import annotations

from typing import Any

from gateway.identity.schemas import GRANT_TYPES, SCOPES
from motcua_shared.contracts import asyncapi
from motcua_shared.contracts import examples as story
from motcua_shared.contracts.catalog import AgencyRef

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
    "payments.create": {"request": {"dossier_code": "hue.cong-an-261207-0042", "method": "vietqr"}},
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
                {"day": "2026-02-14", "reason": "Thứ bảy", "estimated": False},
                {"day": "2026-02-16", "reason": "Giao thừa Tết Nguyên Đán", "estimated": True},
            ],
            "estimated": True,
        }
    },
    "calendar.days_off": {
        "response": {
            "items": [
                {"day": "2026-04-25", "reason": "Thứ bảy", "estimated": False},
                {"day": "2026-04-26", "reason": "Ngày Giỗ Tổ Hùng Vương", "estimated": False},
                {"day": "2026-04-27", "reason": "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)", "estimated": True},
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
    "payments.decide_refund": {
        "request": {
            "action": "approve",
            "note": "Hồ sơ bị từ chối do không đủ điều kiện; hoàn toàn bộ lệ phí.",
        }
    },
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


#: A search synonym as an admin reads it (catalog_svc/data/synonyms.json).
SYNONYM: dict[str, Any] = {
    "term": "lltp",
    "expansion": "lý lịch tư pháp",
    "note": "Viết tắt người dân hay gõ",
    "updated_at": "2026-12-06T08:00:00Z",
}


def _add(more: dict[str, dict[str, Any]]) -> None:
    """Merge ``more`` into :data:`EXAMPLES`, an operation's request and answer perhaps given apart."""
    for operation, example in more.items():
        EXAMPLES[operation] = EXAMPLES.get(operation, {}) | example


STAFF_CONGAN = {
    "id": "staff-canbo-congan",
    "username": "canbo.congan",
    "role": "officer",
    "display_name": "Phạm Quốc Bảo (Công an thành phố Huế)",
    "agency_code": "hue.cong-an",
    "active": True,
    "created_at": "2026-12-07T08:00:00+07:00",
    "last_sign_in_at": None,
}
STAFF_TUPHAP = {
    "id": "staff-canbo-tuphap",
    "username": "canbo.tuphap",
    "role": "officer",
    "display_name": "Nguyễn Thị Hương (Sở Tư pháp)",
    "agency_code": "hue.so-tu-phap",
    "active": True,
    "created_at": "2026-12-01T08:00:00+07:00",
    "last_sign_in_at": "2026-12-07T07:45:12+07:00",
}
NATIONAL_PORTAL = {
    "client_id": "cli_dvcqg_8d1e",
    "name": "Cổng dịch vụ công quốc gia",
    "scopes": ["events:read", "webhooks:write"],
    "active": True,
    "created_at": "2026-12-07T08:00:00+07:00",
}

_add(
    {
        "auth.list_staff": {
            "response": {"items": [STAFF_CONGAN, STAFF_TUPHAP], "total": 2, "next_cursor": None}
        },
        "auth.lock_staff": {"response": STAFF_TUPHAP | {"active": False}},
        "auth.unlock_staff": {"response": STAFF_TUPHAP},
        "auth.reset_staff_password": {
            "response": {"staff": STAFF_TUPHAP, "temporary_password": "Vb3nK8qT1xZ6mR9wL2cP5sD7fH4jG0aY"}
        },
        "auth.list_clients": {
            "response": {
                "items": [NATIONAL_PORTAL],
                "total": 1,
                "next_cursor": None,
                "scopes_available": [
                    {"scope": scope, "description": description} for scope, description in SCOPES.items()
                ],
            }
        },
        "auth.update_client": {
            "request": {"scopes": ["events:read"], "active": True},
            "response": NATIONAL_PORTAL | {"scopes": ["events:read"]},
        },
        "auth.rotate_client_secret": {
            "response": {
                "client_id": "cli_dvcqg_8d1e",
                "client_secret": "cs_Zt4wQ8nB2xM6kR1vL9cP3sD7fH5jG0aY",
                "name": "Cổng dịch vụ công quốc gia",
                "scopes": ["events:read", "webhooks:write"],
            }
        },
    }
)

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
    "(Đăng ký khai sinh). Ngày hẹn trả kết quả: 07/12/2026.",
    "created_at": "2026-12-07T09:20:00+07:00",
    "read_at": None,
}
TEMPLATE = {
    "code": "dossier.received",
    "channel": "sms",
    "version": 2,
    "subject": "",
    "body": "Hồ sơ {{ dossier_code }} đã được tiếp nhận. Hẹn trả kết quả {{ due_at|ngay }}. "
    "Tra cứu tại {{ link }}",
    "created_by": "quantri",
    "created_at": "2026-12-07T08:00:00+07:00",
}
RECEIPT = {"delivery_id": "dlv_0c41b7e2", "status": "delivered", "changed": True}

_add(
    {
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
            "response": {
                "client_id": "cli_dvcqg_8d1e",
                "client_secret": "cs_Qm7vT2xL9pR4nW8kB1cZ6fH3jD5sG0aY",
                "name": "Cổng dịch vụ công quốc gia",
                "scopes": ["events:read", "webhooks:write"],
            },
        },
        "auth.create_staff": {"response": STAFF_CONGAN},
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
                        "body": "Hồ sơ {{ dossier_code }} đã được tiếp nhận. "
                        "Hẹn trả kết quả {{ due_at|ngay }}.",
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
                "body": "Hồ sơ hue.xa.phu-xuan-261207-0001 đã được tiếp nhận. Hẹn trả kết quả 07/12/2026. "
                "Tra cứu tại https://dichvucong.example.vn/tra-cuu",
                "sms": {
                    "text": "Ho so hue.xa.phu-xuan-261207-0001 da duoc tiep nhan. "
                    "Hen tra ket qua 07/12/2026. Tra cuu tai https://dichvucong.example.vn/tra-cuu",
                    "encoding": "GSM-7",
                    "segments": 1,
                    "units": 130,
                },
            },
        },
        "webhooks.create": {
            "response": SUBSCRIPTION | {"secret": "whsec_5Yk2Qm8vT1xL7pR4nW9bC3fH6jD0sGaZ"},
        },
        "webhooks.get": {"response": SUBSCRIPTION},
        "webhooks.list": {"response": {"items": [SUBSCRIPTION], "total": 1}},
        "webhooks.update": {
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
)


PHU_XUAN_REF = {"code": "hue.xa.phu-xuan", "name": "Ủy ban nhân dân phường Phú Xuân"}
BIRTH_REGISTRATION = (
    story.procedure()
    .model_copy(
        update={
            "version": 1,
            "implementing_agency": AgencyRef(code="hue.ubnd-xa", name="Ủy ban nhân dân cấp xã thành phố Huế"),
        }
    )
    .model_dump(mode="json")
)
PROCEDURE = BIRTH_REGISTRATION | {
    "code_kind": "national",
    "status": "published",
    "latest_version": 1,
    "published_at": "2026-12-01T00:00:00+07:00",
    "receiving_agencies": [
        PHU_XUAN_REF,
        {"code": "hue.xa.thuan-hoa", "name": "Ủy ban nhân dân phường Thuận Hóa"},
    ],
    "sources": [
        {
            "url": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193"
        }
    ],
    "withdrawn_at": None,
    "withdraw_reason": None,
}
"""The seeded birth registration as the catalogue publishes it (the events' story, at Huế's communes)."""
PROCEDURE_IN = {
    "code": "1.001193",
    "code_kind": "national",
    "name": PROCEDURE["name"],
    "field_code": "hotich",
    "levels": ["commune"],
    "implementing_agency_code": "hue.ubnd-xa",
    "competent_agency_code": None,
    "online_level": 4,
    "online_mode": "full",
    "applicant_kinds": ["citizen"],
    "cases": PROCEDURE["cases"],
    "documents": PROCEDURE["documents"],
    "steps": [{key: value for key, value in step.items() if key != "agency"} for step in PROCEDURE["steps"]],
    "fee_timing": "submission",
    "result": PROCEDURE["result"],
    "legal_basis": PROCEDURE["legal_basis"],
    "keywords": ["làm giấy khai sinh", "khai sinh cho con", "giấy khai sinh"],
    "sources": PROCEDURE["sources"],
}
PROCEDURE_ADMIN = {
    "code": "1.001193",
    "version": 1,
    "status": "published",
    "has_unpublished_changes": True,
    "draft": PROCEDURE_IN,
    "published": PROCEDURE,
    "updated_at": "2026-12-07T10:00:00+07:00",
}

DOSSIER_CODE = "hue.xa.phu-xuan-261207-0001"
_SUMMARY_FIELDS = (
    "code",
    "status",
    "national_status",
    "national_status_label",
    "procedure_code",
    "procedure_name",
    "agency_code",
    "holder_agency_code",
    "applicant_name",
    "channel",
    "current_step",
    "step_count",
    "step_name",
    "submitted_at",
    "due_at",
    "due_at_estimated",
    "time_left",
    "created_at",
)
"""The fields of a dossier in a list (``DossierSummary``)."""
_APPLICANT = EXAMPLES["dossiers.submit"]["request"]["applicant"]
_STEPS = [
    {
        "order": step["order"],
        "name": step["name"],
        "role": step["role"],
        "agency_code": PHU_XUAN_REF["code"],
        "agency_name": PHU_XUAN_REF["name"],
        "share_percent": step["share_percent"],
        "started_at": None,
        "due_at": None,
        "finished_at": None,
        "late": None,
    }
    for step in PROCEDURE["steps"]
]
DOSSIER_SUBMITTED = {
    "code": DOSSIER_CODE,
    "status": "submitted",
    "national_status": 1,
    "national_status_label": "Mới đăng ký",
    "procedure_code": "1.001193",
    "procedure_name": "Đăng ký khai sinh",
    "procedure_version": 1,
    "case_code": "dung-han",
    "case_name": "Đăng ký khai sinh đúng hạn",
    "agency_code": PHU_XUAN_REF["code"],
    "agency_name": PHU_XUAN_REF["name"],
    "holder_agency_code": PHU_XUAN_REF["code"],
    "applicant": _APPLICANT,
    "applicant_name": _APPLICANT["name"],
    "applicant_account_id": "citizen-5c0f",
    "channel": "online",
    "current_step": None,
    "step_count": 3,
    "step_name": None,
    "form_data": EXAMPLES["dossiers.submit"]["request"]["form_data"],
    "fees": {"items": [], "total": 0, "timing": "submission", "paid_at": None, "outstanding": False},
    "processing_days": 0.0,
    "submitted_at": "2026-12-07T09:15:00+07:00",
    "received_at": None,
    "appointment_at": None,
    "approved_at": None,
    "returned_at": None,
    "closed_at": None,
    "close_reason": None,
    "due_at": None,
    "due_at_estimated": False,
    "time_left": None,
    "timeliness": None,
    "result_name": "Giấy khai sinh (bản chính)",
    "steps": _STEPS,
    "documents_required": PROCEDURE["documents"],
    "documents": [],
    "supplement": None,
    "lookup_secret": "K7QM2XPA",
    "allowed_actions": ["withdraw"],
    "created_at": "2026-12-07T09:15:00+07:00",
    "updated_at": "2026-12-07T09:15:00+07:00",
}
"""The birth registration of ``dossiers.submit``, as its applicant sees it once filed."""
DOCUMENT = {
    "id": "doc_4e1a9c2b",
    "document_code": "giay-chung-sinh",
    "filename": "giay-chung-sinh.pdf",
    "content_type": "application/pdf",
    "size": 248310,
    "sha256": "9f2c7a1e4b8d4c06a3e5f71b2d9c8e40b7a1c3e5f7092d4b6a8c0e2f4a6b8d0c",
    "uploaded_at": "2026-12-07T09:14:00+07:00",
    "href": f"/api/v1/dossiers/{DOSSIER_CODE}/documents/doc_4e1a9c2b",
    "reused_from": None,
}
NEXT_DRAFT = "draft-7c1e9a40"
REUSED_DOCUMENT = DOCUMENT | {
    "id": "doc_b7d20e55",
    "uploaded_at": "2027-01-11T08:02:00+07:00",
    "href": f"/api/v1/dossiers/{NEXT_DRAFT}/documents/doc_b7d20e55",
    "reused_from": {"document_id": "doc_4e1a9c2b", "dossier_code": DOSSIER_CODE},
}
RESULT_DOCUMENT = DOCUMENT | {
    "id": "doc_kq7f3a91",
    "document_code": "KET-QUA",
    "filename": "giay-khai-sinh.pdf",
    "size": 61240,
    "sha256": "3b8e1d0c5a7f49e2b6c4d8a0f1e3c5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9",
    "uploaded_at": "2026-12-09T15:30:00+07:00",
    "href": f"/api/v1/dossiers/{DOSSIER_CODE}/documents/doc_kq7f3a91",
    "signed_by": AGENCY_PHU_XUAN["name"],
}
_TIME_LEFT = {"days": 0, "hours": 7, "overdue": False, "label": "còn 0 ngày 7 giờ"}
DOSSIER = DOSSIER_SUBMITTED | {
    "status": "in_progress",
    "national_status": 4,
    "national_status_label": "Đang xử lý",
    "current_step": 2,
    "step_name": "Thẩm định, ghi sổ hộ tịch",
    "received_at": "2026-12-07T09:20:00+07:00",
    "appointment_at": "2026-12-07T17:00:00+07:00",
    "due_at": "2026-12-07T17:00:00+07:00",
    "time_left": _TIME_LEFT,
    "steps": [
        _STEPS[0]
        | {
            "started_at": "2026-12-07T09:15:00+07:00",
            "due_at": "2026-12-07T11:15:00+07:00",
            "finished_at": "2026-12-07T09:20:00+07:00",
            "late": False,
        },
        _STEPS[1] | {"started_at": "2026-12-07T09:20:00+07:00", "due_at": "2026-12-07T14:45:00+07:00"},
        _STEPS[2],
    ],
    "documents": [DOCUMENT],
    "allowed_actions": ["request-supplement", "forward", "reject", "extend-deadline"],
    "updated_at": "2026-12-07T09:20:00+07:00",
}
"""The same dossier at its second step, as the officer handling it sees it."""
DRAFT = DOSSIER_SUBMITTED | {
    "status": "draft",
    "national_status": None,
    "national_status_label": None,
    "agency_code": "hue.ubnd-xa",
    "agency_name": "Ủy ban nhân dân cấp xã thành phố Huế",
    "holder_agency_code": "hue.ubnd-xa",
    "code": "draft-7c2e9a41b3d84f05a6e1",
    "applicant": EXAMPLES["dossiers.create_draft"]["request"]["applicant"],
    "form_data": {},
    "submitted_at": None,
    "allowed_actions": ["submit"],
}

PAYMENT_ID = "pay_5d2e81c4"
PAYMENT: dict[str, Any] = {
    "id": PAYMENT_ID,
    "dossier_code": "hue.cong-an-261207-0042",
    "procedure_code": "3.000333",
    "procedure_name": "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, "
    "người nước ngoài đang cư trú tại Việt Nam",
    "agency_code": "hue.cong-an",
    "agency_name": "Công an thành phố Huế",
    "amount": 200000,
    "currency": "VND",
    "items": [
        {"name": "Phí cung cấp thông tin lý lịch tư pháp", "kind": "phí", "amount": 200000, "exempt": False}
    ],
    "fee_timing": "submission",
    "payer": {"name": "Trần Thị Thu Hà", "phone": "+84905123456", "email": "thuha.tran@example.vn"},
    "method": "vietqr",
    "status": "pending",
    "reference": "MC5D2E81",
    "provider": None,
    "provider_txn_id": None,
    "receipt_number": None,
    "receipt_url": None,
    "refunded_amount": 0,
    "flagged": False,
    "paid_at": None,
    "expires_at": "2026-12-08T10:00:00+07:00",
    "created_at": "2026-12-07T10:00:00+07:00",
    "updated_at": "2026-12-07T10:00:00+07:00",
    "attempts": [
        {
            "id": "att_91c3e7",
            "method": "vietqr",
            "provider": "bank",
            "status": "open",
            "created_at": "2026-12-07T10:00:00+07:00",
            "expires_at": "2026-12-08T10:00:00+07:00",
        }
    ],
    "refunds": [],
    "slips": [],
    "transactions": [],
}
"""The criminal-record certificate fee of ``payments.create``, waiting for the citizen's transfer."""
TRANSACTION = {
    "id": 118,
    "payment_id": PAYMENT_ID,
    "provider": "bank",
    "provider_txn_id": "FT26341012345678",
    "source": "bank",
    "reference": "MC5D2E81",
    "amount": 200000,
    "currency": "VND",
    "succeeded": True,
    "outcome": "credited",
    "detail": "MC5D2E81 TRAN THI THU HA NOP PHI LY LICH TU PHAP",
    "occurred_at": "2026-12-07T10:04:00+07:00",
    "received_at": "2026-12-07T10:04:02+07:00",
    "resolved_at": None,
}
PAID = PAYMENT | {
    "status": "succeeded",
    "provider": "bank",
    "provider_txn_id": "FT26341012345678",
    "receipt_number": "AA-26E-0000042",
    "receipt_url": f"/api/v1/payments/{PAYMENT_ID}/receipt.pdf",
    "paid_at": "2026-12-07T10:04:00+07:00",
    "updated_at": "2026-12-07T10:04:02+07:00",
    "attempts": [PAYMENT["attempts"][0] | {"status": "succeeded"}],
    "transactions": [TRANSACTION],
}
"""The same payment once the bank reported the transfer."""
SLIP = {
    "id": "slip_2b7f40",
    "filename": "uy-nhiem-chi.jpg",
    "content_type": "image/jpeg",
    "size": 184220,
    "status": "submitted",
    "note": None,
    "uploaded_at": "2026-12-07T10:06:00+07:00",
    "decided_at": None,
    "url": f"/api/v1/payments/{PAYMENT_ID}/slips/slip_2b7f40",
}
REFUND = {
    "id": "rfd_91a0c2",
    "amount": 100000,
    "reason": EXAMPLES["payments.refund"]["request"]["reason"],
    "status": "succeeded",
    "provider": "bank",
    "provider_txn_id": "FT26342098765432",
    "created_at": "2026-12-08T14:00:00+07:00",
    "completed_at": "2026-12-08T14:00:03+07:00",
}
_MATCHED = {
    "payment_id": PAYMENT_ID,
    "provider": "bank",
    "provider_txn_id": "FT26341012345678",
    "reference": "MC5D2E81",
    "our_amount": 200000,
    "our_outcome": "credited",
    "their_amount": 200000,
}
REPORT = {
    "date": "2026-12-07",
    "provider": "bank",
    "counts": {"matched": 1, "amount_mismatches": 0, "missing_ours": 0, "missing_theirs": 0},
    "matched": [_MATCHED],
    "amount_mismatches": [],
    "missing_ours": [],
    "missing_theirs": [],
}
SEARCH_ITEM = {
    "code": "1.001193",
    "name": "Đăng ký khai sinh",
    "field": {"code": "hotich", "name": "Hộ tịch"},
    "implementing_agency": PROCEDURE["implementing_agency"],
    "levels": ["commune"],
    "online_level": 4,
    "online_mode": "full",
    "min_days": 0.0,
    "max_days": 1.0,
    "min_fee": 0,
    "status": "published",
    "version": 1,
}

_add(
    {
        "procedures.get": {"response": PROCEDURE},
        "procedures.publish": {"response": PROCEDURE | {"version": 2, "latest_version": 2}},
        "procedures.withdraw": {
            "response": PROCEDURE
            | {
                "status": "withdrawn",
                "withdrawn_at": "2027-03-01T00:00:00+07:00",
                "withdraw_reason": EXAMPLES["procedures.withdraw"]["request"]["reason"],
            },
        },
        "procedures.create": {
            "request": PROCEDURE_IN,
            "response": PROCEDURE_ADMIN | {"status": "draft", "version": 0, "published": None},
        },
        "procedures.update": {"request": PROCEDURE_IN, "response": PROCEDURE_ADMIN},
        "procedures.get_working_copy": {"response": PROCEDURE_ADMIN},
        "procedures.import": {
            "request": {"procedures": [PROCEDURE_IN]},
            "response": {"received": 1, "published": [{"code": "1.001193", "version": 2}], "unchanged": []},
        },
        "procedures.list_working_copies": {
            "response": {
                "items": [
                    {
                        key: PROCEDURE_ADMIN[key]
                        for key in ("code", "status", "version", "has_unpublished_changes", "updated_at")
                    }
                    | {"name": PROCEDURE_IN["name"]}
                ],
                "total": 1,
                "next_cursor": None,
            }
        },
        "procedures.search": {
            "response": {
                "items": [SEARCH_ITEM],
                "match": "all",
                "facets": {
                    "field": [{"code": "hotich", "name": "Hộ tịch", "count": 1}],
                    "level": [{"code": "commune", "name": "Cấp xã", "count": 1}],
                    "agency": [
                        {"code": "hue.ubnd-xa", "name": "Ủy ban nhân dân cấp xã thành phố Huế", "count": 1}
                    ],
                },
                "page": 1,
                "size": 20,
                "total": 1,
                "next_cursor": None,
            }
        },
        "procedures.list_synonyms": {"response": {"items": [SYNONYM]}},
        "procedures.put_synonym": {
            "request": {"expansion": SYNONYM["expansion"], "note": SYNONYM["note"]},
            "response": SYNONYM,
        },
        "dossiers.submit": {"response": DOSSIER_SUBMITTED},
        "dossiers.get": {"response": DOSSIER},
        "dossiers.act": {
            "response": DOSSIER
            | {
                "status": "supplement_requested",
                "national_status": 5,
                "national_status_label": "Yêu cầu bổ sung giấy tờ",
                "supplement": {
                    "reason": EXAMPLES["dossiers.act"]["request"]["reason"],
                    "documents": EXAMPLES["dossiers.act"]["request"]["documents"],
                    "requested_at": "2026-12-07T10:00:00+07:00",
                    "respond_by": "2026-12-14T10:00:00+07:00",
                    "fee_total": 0,
                },
                "allowed_actions": ["reject"],
                "updated_at": "2026-12-07T10:00:00+07:00",
            },
        },
        "dossiers.create_draft": {"response": DRAFT},
        "dossiers.update_draft": {
            "response": DRAFT
            | EXAMPLES["dossiers.update_draft"]["request"]
            | {"agency_name": PHU_XUAN_REF["name"]},
        },
        "dossiers.list": {
            "response": {
                "items": [{key: DOSSIER[key] for key in _SUMMARY_FIELDS}],
                "next_cursor": None,
                "total": 1,
            }
        },
        "dossiers.timeline": {
            "response": {
                "items": [
                    {
                        "at": "2026-12-07T09:15:00+07:00",
                        "action": "submit",
                        "from_status": "draft",
                        "to_status": "submitted",
                        "national_status": 1,
                        "actor_id": "citizen-5c0f",
                        "actor_role": "citizen",
                        "actor_agency_code": None,
                        "note": None,
                        "details": {"channel": "online"},
                    },
                    {
                        "at": "2026-12-07T09:20:00+07:00",
                        "action": "receive",
                        "from_status": "submitted",
                        "to_status": "in_progress",
                        "national_status": 4,
                        "actor_id": "officer-phuxuan-01",
                        "actor_role": "officer",
                        "actor_agency_code": PHU_XUAN_REF["code"],
                        "note": "Hồ sơ đầy đủ, hợp lệ.",
                        "details": {"due_at": "2026-12-07T17:00:00+07:00"},
                    },
                ],
                "total": 2,
            }
        },
        "documents.upload": {"response": DOCUMENT},
        "documents.list": {"response": {"items": [DOCUMENT], "total": 1}},
        "documents.reuse": {
            "request": {"document_id": "doc_4e1a9c2b", "document_code": "giay-chung-sinh"},
            "response": REUSED_DOCUMENT,
        },
        "documents.issue_result": {"response": RESULT_DOCUMENT},
        "wallet.documents": {
            "response": {
                "items": [
                    REUSED_DOCUMENT | {"dossier_code": NEXT_DRAFT, "origin": "uploaded"},
                    DOCUMENT | {"dossier_code": DOSSIER_CODE, "origin": "uploaded"},
                ],
                "total": 2,
                "next_cursor": None,
            }
        },
        "lookup.get": {
            "response": {
                "code": DOSSIER_CODE,
                "status": "in_progress",
                "national_status": 4,
                "national_status_label": "Đang xử lý",
                "procedure_code": "1.001193",
                "procedure_name": "Đăng ký khai sinh",
                "agency_name": PHU_XUAN_REF["name"],
                "step_order": 2,
                "step_count": 3,
                "step_name": "Thẩm định, ghi sổ hộ tịch",
                "step_agency_name": PHU_XUAN_REF["name"],
                "fee_outstanding": False,
                "submitted_at": DOSSIER["submitted_at"],
                "received_at": DOSSIER["received_at"],
                "appointment_at": DOSSIER["appointment_at"],
                "result_ready_at": None,
                "returned_at": None,
            }
        },
        "lookup.sms_inbound": {
            "request": {
                "message_id": "mo-20250805-77120",
                "phone": "84905123456",
                "text": f"TRACUU {DOSSIER_CODE} 3456",
            },
            "response": {"message_id": "mo-20250805-77120", "status": "answered"},
        },
        "lookup.sms_sandbox": {
            "request": {"phone": "0905123456", "text": f"TRACUU {DOSSIER_CODE} 3456"},
            "response": {
                "message_id": "sbx-mo-5f2a9c1e7b3d4a60",
                "status": "answered",
                "replies": "/api/v1/sandbox/sms?phone=0905123456",
            },
        },
        "payments.create": {
            "response": {
                "attempt_id": "att_91c3e7",
                "method": "vietqr",
                "payment": PAYMENT,
                "vietqr": {
                    "bank_bin": "970415",
                    "bank_name": "Ngân hàng TMCP Công Thương Việt Nam (VietinBank)",
                    "account_number": "113000118888",
                    "account_name": "KHO BAC NHA NUOC KHU VUC",
                    "amount": 200000,
                    "reference": "MC5D2E81",
                    "payload": "00020101021238540010A00000072701240006970415011011300011888802"
                    "08QRIBFTTA53037045406200000 5802VN62120808MC5D2E816304A1B2",
                    "png_url": f"/api/v1/payments/{PAYMENT_ID}/vietqr.png",
                    "svg_url": f"/api/v1/payments/{PAYMENT_ID}/vietqr.svg",
                },
                "gateway": None,
                "transfer": None,
            },
        },
        "payments.get": {"response": PAID},
        "payments.list": {"response": {"items": [PAID], "next_cursor": None, "total": 1}},
        "payments.renew": {
            "response": PAYMENT
            | {
                "id": "pay_7a30f912",
                "renews": PAYMENT_ID,
                "reference": "MC7A30F9",
                "expires_at": "2026-12-09T10:00:00+07:00",
                "created_at": "2026-12-08T10:00:00+07:00",
                "updated_at": "2026-12-08T10:00:00+07:00",
                "attempts": [],
            }
        },
        "payments.refund": {
            "response": {
                "payment": PAID | {"refunded_amount": 100000, "refunds": [REFUND]},
                "refund": REFUND,
            },
        },
        "payments.decide_refund": {
            "response": {
                "payment": PAID | {"status": "refunded", "refunded_amount": 100000, "refunds": [REFUND]},
                "refund": REFUND,
            },
        },
        "payments.upload_slip": {"response": SLIP},
        "payments.confirm_slip": {
            "response": PAID
            | {
                "method": "manual_transfer",
                "slips": [
                    SLIP
                    | {
                        "status": "confirmed",
                        "note": EXAMPLES["payments.confirm_slip"]["request"]["note"],
                        "decided_at": "2026-12-07T11:00:00+07:00",
                    }
                ],
            },
        },
        "payments.reject_slip": {
            "response": PAYMENT
            | {
                "method": "manual_transfer",
                "slips": [
                    SLIP
                    | {
                        "status": "rejected",
                        "note": EXAMPLES["payments.reject_slip"]["request"]["reason"],
                        "decided_at": "2026-12-07T11:00:00+07:00",
                    }
                ],
            },
        },
        "payments.list_anomalies": {
            "response": {
                "items": [
                    TRANSACTION
                    | {
                        "id": 121,
                        "provider_txn_id": "FT26341012349999",
                        "outcome": "flagged_refund",
                        "detail": "Chuyển khoản trùng cho khoản đã thanh toán.",
                    }
                ]
            }
        },
        "payments.resolve_anomaly": {
            "response": TRANSACTION
            | {
                "id": 121,
                "provider_txn_id": "FT26341012349999",
                "outcome": "flagged_refund",
                "detail": "Chuyển khoản trùng cho khoản đã thanh toán.",
                "resolved_at": "2026-12-08T14:05:00+07:00",
            },
        },
        "payment_providers.bank_notify": {
            "response": {"results": [{"id": "FT26341012345678", "outcome": "credited"}]}
        },
        "payment_providers.ipn": {"response": {"RspCode": "00", "Message": "Confirm Success"}},
        "reconciliation.get": {"response": REPORT},
        "reconciliation.import_statement": {
            "response": {"imported": 1, "duplicates": 0, "errors": [], "report": REPORT}
        },
    }
)
_AUDIT_RECORD = {
    "id": 5120,
    "at": "2026-12-07T09:21:04+07:00",
    "subject": STAFF_TUPHAP["id"],
    "role": "officer",
    "agency_code": PHU_XUAN_REF["code"],
    "action": "document.download",
    "resource": "dossier",
    "resource_id": DOSSIER_CODE,
    "detail": DOCUMENT["id"],
    "client": "203.113.131.5",
    "request_id": "9d1c0f5e7a2b4c38",
}
_add(
    {
        "audit.dossiers": {
            "response": {
                "items": [
                    _AUDIT_RECORD,
                    _AUDIT_RECORD
                    | {
                        "id": 5118,
                        "at": "2026-12-07T09:20:31+07:00",
                        "action": "dossier.read",
                        "detail": None,
                    },
                ],
                "total": 2,
                "next_cursor": None,
            }
        },
        "audit.webhooks": {
            "response": {
                "items": [
                    _AUDIT_RECORD
                    | {
                        "id": 311,
                        "subject": "admin",
                        "role": "admin",
                        "agency_code": None,
                        "action": "webhook.update",
                        "resource": "webhook",
                        "resource_id": SUBSCRIPTION["id"],
                        "detail": "owner client-cong-dvc-quoc-gia",
                    }
                ],
                "total": 1,
                "next_cursor": None,
            }
        },
        "audit.payments": {
            "response": {
                "items": [
                    _AUDIT_RECORD
                    | {
                        "id": 902,
                        "at": "2026-12-07T10:12:40+07:00",
                        "action": "slip.confirm",
                        "resource": "payment",
                        "resource_id": PAYMENT_ID,
                        "detail": SLIP["id"],
                    },
                    _AUDIT_RECORD
                    | {
                        "id": 897,
                        "at": "2026-12-07T10:11:58+07:00",
                        "action": "slip.download",
                        "resource": "payment",
                        "resource_id": PAYMENT_ID,
                        "detail": SLIP["id"],
                    },
                ],
                "total": 2,
                "next_cursor": None,
            }
        },
        "audit.procedures": {
            "response": {
                "items": [
                    _AUDIT_RECORD
                    | {
                        "id": 64,
                        "at": "2026-12-07T08:30:12+07:00",
                        "subject": "admin",
                        "role": "admin",
                        "agency_code": None,
                        "action": "procedure.publish",
                        "resource": "procedure",
                        "resource_id": "1.001193",
                        "detail": "version 3",
                    }
                ],
                "total": 1,
                "next_cursor": None,
            }
        },
    }
)
_ASYNCAPI = asyncapi.build_asyncapi()
_TIMELINESS = {
    "early": 41,
    "on_time": 112,
    "late": 3,
    "early_rate": 0.263,
    "on_time_rate": 0.718,
    "late_rate": 0.019,
}
_SATISFACTION = {
    "satisfied": 98,
    "acceptable": 12,
    "unsatisfied": 2,
    "total": 112,
    "satisfied_share": 0.875,
    "acceptable_share": 0.107,
    "unsatisfied_share": 0.018,
}
_MONTH_BASE = {
    "month": "2026-11",
    "received": 164,
    "finished": 156,
    "timeliness": _TIMELINESS,
    "overdue_in_progress": 1,
    "average_processing_days": 0.6,
    "satisfaction": _SATISFACTION,
}
# The 766 indicators of the same month: 164 received, 156 finished (153 early or on time), 1 overdue.
_INDICATORS = {
    "timely_rate": 0.9745,
    "channels": {
        "online": 131,
        "counter": 33,
        "postal": 0,
        "online_share": 0.7988,
        "full_online": 97,
        "full_online_share": 0.5915,
    },
    "payments": {"with_fees": 120, "paid_online": 111, "online_share": 0.925},
    "digitisation": {"digitised": 164, "share": 1.0},
    "satisfaction_rate": 0.9679,
}
_MONTH = _MONTH_BASE | _INDICATORS
_add(
    {
        "stats.get": {
            "response": {
                "from": "2026-11-01",
                "to": "2026-11-30",
                "agency": "hue.xa.phu-xuan",
                "procedure": "1.001193",
                "received": 164,
                "finished": 156,
                "rejected": 4,
                "withdrawn": 2,
                "timeliness": _TIMELINESS,
                "overdue_in_progress": 1,
                "average_processing_days": 0.6,
                "satisfaction": _SATISFACTION,
                **_INDICATORS,
                "late_by_step": [
                    {
                        "agency_code": "hue.xa.phu-xuan",
                        "agency_name": "Ủy ban nhân dân phường Phú Xuân",
                        "step_name": "Thẩm định, ghi sổ hộ tịch",
                        "finished": 156,
                        "late": 3,
                        "late_rate": 0.019,
                    }
                ],
                "by_month": [_MONTH],
                "by_agency": [
                    {
                        "agency_code": "hue.xa.phu-xuan",
                        "agency_name": "Ủy ban nhân dân phường Phú Xuân",
                        **{k: v for k, v in _MONTH.items() if k != "month"},
                        "rejected": 4,
                        "withdrawn": 2,
                        "by_month": [_MONTH],
                    }
                ],
                "targets": {"late_rate_max": 0.03, "satisfied_share_min": 0.8},
            }
        },
        "meta.asyncapi": {
            "response": {
                key: value
                for key, value in _ASYNCAPI.items()
                if key in ("asyncapi", "info", "defaultContentType", "servers")
            }
            | {
                "channels": {
                    name: {"address": channel["address"], "title": channel["title"]}
                    for name, channel in _ASYNCAPI["channels"].items()
                }
            }
        },
    }
)

_ASKED = story.example_envelope(story.examples()["vn.motcua.dossier.dossier.supplement_requested.v1"])
DEAD_LETTER = {
    "id": 7,
    "consumer": "notify",
    "topic": "motcua.dossier.v1",
    "partition": 3,
    "offset": 1842,
    "key": _ASKED.subject,
    "event_id": _ASKED.id,
    "type": _ASKED.type,
    "error": "permanent: UndefinedError: 'han_bo_sung' is undefined",
    "attempts": 1,
    "failed_at": "2026-12-07T09:12:04+07:00",
    "payload": _ASKED.model_dump_json(),
}

_add(
    {
        "ops.list_dead_letters": {"response": {"items": [DEAD_LETTER], "total": 1, "next_cursor": None}},
        "ops.replay_dead_letter": {"response": {"id": 7, "applied": True}},
    }
)


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


_RECEIPT_SIGNER = {
    "name": "Sở Tư pháp thành phố Huế",
    "organization": "Sở Tư pháp thành phố Huế",
    "certificate_serial": "475a961ff3f2e96a0db55a1eba02cef5a6ce0196",
    "certificate_issuer": "motcua CA thử nghiệm",
}
_add(
    {
        "verify.upload": {
            "response": {
                "verdict": "valid",
                "intact": True,
                "trusted": True,
                "summary": "Giấy tờ nguyên vẹn, được ký số bởi Sở Tư pháp thành phố Huế "
                "lúc 10:05 ngày 07/12/2026.",
                "signer": _RECEIPT_SIGNER,
                "signed_at": "2026-12-07T10:05:12+07:00",
                "paper": {
                    "kind": "bien-lai",
                    "reference": PAID["receipt_number"],
                    "dossier_code": PAID["dossier_code"],
                    "reason": f"Biên lai thu phí, lệ phí số {PAID['receipt_number']}",
                },
                "sha256": "5e67087004ebec4a015909962fa937c6a8b860cf2a7a8f77a8a1cf7800140fad",
            }
        },
        "verify.result": {
            "response": {
                "kind": "ket-qua",
                "reference": RESULT_DOCUMENT["id"],
                "issuer": AGENCY_PHU_XUAN["name"],
                "agency_code": AGENCY_PHU_XUAN["code"],
                "dossier_code": DOSSIER_CODE,
                "result_name": "Giấy khai sinh (bản chính)",
                "filename": RESULT_DOCUMENT["filename"],
                "sha256": RESULT_DOCUMENT["sha256"],
                "issued_at": RESULT_DOCUMENT["uploaded_at"],
                "returned": True,
            }
        },
        "verify.lookup": {
            "response": {
                "kind": "bien-lai",
                "reference": PAYMENT_ID,
                "form_number": "01BLP0-001",
                "series": "AA-26E",
                "number": PAID["receipt_number"],
                "issuer": "Sở Tư pháp thành phố Huế",
                "agency_code": "hue.so-tu-phap",
                "dossier_code": PAID["dossier_code"],
                "payer": "Trần T. T. H.",
                "amount": 200000,
                "amount_in_words": "Hai trăm nghìn đồng",
                "refunded_amount": 0,
                "issued_at": PAID["paid_at"],
            }
        },
    }
)
