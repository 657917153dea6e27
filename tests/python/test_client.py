"""The official Python client (`elasticsearch` from PyPI) against one running edge-token, with
the options users turn on: `http_compress=True` (gzip request bodies), `filter_path` and
`opaque_id`.

    python tests/python/test_client.py URL ELASTIC_PASSWORD NAME

Exits non-zero, with the failed assertion, on the first difference. Run by clients.test.mjs.
"""

import sys

from elasticsearch import AuthenticationException, Elasticsearch


def main(url: str, password: str, name: str) -> None:
    admin = Elasticsearch(url, basic_auth=("elastic", password), http_compress=True, request_timeout=60)
    pool_node = admin.transport.node_pool.get()
    assert pool_node.config.http_compress, "the client does not compress"
    user = f"py_{name}"
    admin.options(opaque_id="py-put").security.put_user(username=user, password="s3krit-password", roles=["superuser"])

    created = admin.options(opaque_id=f"py-get-{name}").security.get_token(
        grant_type="password", username=user, password="s3krit-password"
    )
    assert created.meta.status == 200, created.meta.status
    assert created.meta.headers.get("X-Opaque-Id") == f"py-get-{name}", dict(created.meta.headers)
    assert created["type"] == "Bearer" and created["refresh_token"], created.body

    as_token = Elasticsearch(url, bearer_auth=created["access_token"], http_compress=True, request_timeout=60)
    me = as_token.options(opaque_id="py-who").security.authenticate()
    assert me["username"] == user, me.body
    assert me["authentication_type"] == "token", me.body
    assert me.meta.headers.get("X-Opaque-Id") == "py-who"

    # filter_path as ES applies it: only the named members (and `{}` when none is left).
    who = as_token.security.authenticate(filter_path="username")
    assert who.body == {"username": user}, who.body
    kept = admin.security.get_user(username=user, filter_path=["*.roles", "*.enabled"])
    assert kept.body == {user: {"roles": ["superuser"], "enabled": True}}, kept.body
    assert admin.security.authenticate(filter_path="nothing_here").body == {}

    refreshed = admin.options(opaque_id="py-refresh").security.get_token(
        grant_type="refresh_token", refresh_token=created["refresh_token"]
    )
    assert refreshed["access_token"] != created["access_token"]
    pair = admin.security.get_token(grant_type="password", username=user, password="s3krit-password",
                                    filter_path=["access_token", "expires_in"])
    assert sorted(pair.body) == ["access_token", "expires_in"], pair.body

    gone = admin.options(opaque_id="py-bye").security.invalidate_token(token=created["access_token"])
    assert gone.body == {"invalidated_tokens": 1, "previously_invalidated_tokens": 0, "error_count": 0}, gone.body
    assert gone.meta.headers.get("X-Opaque-Id") == "py-bye"
    by_user = admin.security.invalidate_token(username=user)
    assert by_user["invalidated_tokens"] == 5, by_user.body

    # The error answer carries the opaque id too.
    try:
        as_token.options(opaque_id="py-after").security.authenticate()
    except AuthenticationException as error:
        assert error.meta.status == 401
        assert error.meta.headers.get("X-Opaque-Id") == "py-after", dict(error.meta.headers)
    else:
        raise AssertionError("an invalidated token still authenticates")
    print(f"python client on {name}: ok")


if __name__ == "__main__":
    main(*sys.argv[1:4])
