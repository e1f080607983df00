from investigations.access import Viewer, may_view_case
from workbench.roles import Role


def test_unrestricted_cases_are_open_to_all_staff():
    for role in Role:
        assert may_view_case(Viewer(99, role), restricted=False, investigator_id=1, investigator_manager_id=2)


def test_restricted_case_need_to_know():
    args = dict(restricted=True, investigator_id=1, investigator_manager_id=2)
    assert may_view_case(Viewer(1, Role.INVESTIGATOR), **args)  # assigned investigator
    assert may_view_case(Viewer(2, Role.MANAGER), **args)  # their manager
    assert may_view_case(Viewer(3, Role.ADMINISTRATOR), **args)
    assert not may_view_case(Viewer(4, Role.INVESTIGATOR), **args)
    assert not may_view_case(Viewer(5, Role.MANAGER), **args)  # another team's manager
    assert not may_view_case(Viewer(6, Role.COMPLIANCE_OFFICER), **args)


def test_restricted_unassigned_case_is_administrators_only():
    args = dict(restricted=True, investigator_id=None, investigator_manager_id=None)
    assert may_view_case(Viewer(3, Role.ADMINISTRATOR), **args)
    assert not may_view_case(Viewer(2, Role.MANAGER), **args)
