"""`/reference`: the seeded data, in its fixed order, with the full skill shape."""

from __future__ import annotations

import httpx

STATUSES = ["Студент", "Стажёр", "Работаю", "Выпускник", "Ищу стажировку"]
SKILLS = [
    ("Био", "Биотех"),
    ("Био", "Хим. инженерия"),
    ("Био", "ХимТех"),
    ("IT", "Тестирование"),
    ("IT", "Робототехника"),
    ("IT", "Инженерия"),
    ("IT", "Информационная безопасность"),
    ("IT", "Html/css"),
    ("IT", "Go/React"),
]


async def test_spheres(client: httpx.AsyncClient) -> None:
    response = await client.get("/reference/spheres", headers={"Authorization": "Bearer null"})
    assert response.status_code == 200
    spheres = response.json()
    assert [s["title"] for s in spheres] == ["Био", "IT"]
    assert spheres[1] == {"id": spheres[1]["id"], "title": "IT", "background_color": "#CDEEFF", "text_color": "#2AABEE"}
    assert all(len(s["id"]) == 32 and int(s["id"], 16) >= 0 for s in spheres)


async def test_skills_carry_sphere_and_sphere_id(client: httpx.AsyncClient) -> None:
    skills = (await client.get("/reference/skills")).json()
    assert [(s["sphere"]["title"], s["title"]) for s in skills] == SKILLS
    for skill in skills:
        assert set(skill) == {"id", "title", "sphere_id", "sphere"}
        assert skill["sphere_id"] == skill["sphere"]["id"]
    it_id = skills[-1]["sphere_id"]
    filtered = (await client.get("/reference/skills", params={"sphere_id": it_id})).json()
    assert [s["title"] for s in filtered] == [title for sphere, title in SKILLS if sphere == "IT"]
    assert (await client.get("/reference/skills", params={"sphere_id": "garbage"})).json() == []


async def test_statuses(client: httpx.AsyncClient) -> None:
    response = await client.get("/reference/statuses", headers={"Authorization": "Bearer"})
    assert response.status_code == 200
    assert [s["title"] for s in response.json()] == STATUSES
