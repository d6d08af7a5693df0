"""The response shapes of the contract (§1.12), as key sets: every key is always present (the non-null rule)."""

from __future__ import annotations

SPHERE_KEYS = {"id", "title", "background_color", "text_color"}
SKILL_KEYS = {"id", "title", "sphere_id", "sphere"}
MEDIA_KEYS = {"id", "kind", "mime", "ext", "size", "url"}
COMMUNITY_FOR_USER_KEYS = {
    "id",
    "name",
    "company_id",
    "description",
    "telegram_url",
    "tags",
    "is_archived",
    "logo_media_id",
}
COMMUNITY_KEYS = COMMUNITY_FOR_USER_KEYS | {"members_count"}
MEMBER_KEYS = {"id", "role", "phone", "full_name", "avatar_media_id", "created_at"}
CASE_KEYS = {"id", "community_id", "title", "description", "date", "solutions_count"}
POST_KEYS = {
    "id",
    "community_id",
    "title",
    "body",
    "media",
    "tags",
    "skills",
    "cost",
    "participant_payout",
    "moderation_status",
}
ITEM_KEYS = POST_KEYS | {"type", "event_date"}
EVENT_KEYS = {
    "id",
    "community_id",
    "title",
    "event_date",
    "city",
    "location",
    "description",
    "registration",
    "format",
    "media_id",
    "tags",
    "skills",
    "cost",
    "participant_payout",
    "participants_count",
    "capacity",
    "waitlist_count",
    "my_participation",
    "checked_in_count",
    "moderation_status",
}
STORY_KEYS = {"id", "community_id", "company_id", "title", "media_url", "media", "moderation_status"}
COMPANY_KEYS = {"id", "name", "description", "logo_media_id", "skills"}
COMPANY_DETAIL_KEYS = COMPANY_KEYS | {"communities", "media"}
USER_KEYS = {"id", "role", "phone", "email", "avatar_media_id", "created_at"}
USER_DETAIL_KEYS = {
    "id",
    "role",
    "phone",
    "full_name",
    "portfolio_url",
    "description",
    "avatar_media_id",
    "skills",
    "statuses",
    "created_at",
    "communities",
}
PROFILE_KEYS = {
    "id",
    "user_id",
    "full_name",
    "portfolio_url",
    "description",
    "avatar_media_id",
    "skills",
    "statuses",
    "communities",
    "joined_events",
}
