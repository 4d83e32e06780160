from tests.compensation.test_leaks import _walk, scenario  # noqa

def test_dump(app, client, api_as, people, scenario):
    walk = _walk(app, client, api_as, people.interviewer, scenario)
    from collections import Counter
    print(Counter(a.status for a in walk.answers))
    for a in walk.answers:
        if a.status == 200: print(a.status, a.where[:120])
    print(walk.skipped)
