"""`/interviewer` with odd arguments, as researchers, organizers and strangers type them in Slack against
`interviewer run --slack --http`: each gets a clear answer, and nobody learns about studies they are not
named in."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_slack import slack_service
from tests.support.helpers import write_study


async def test_a_stranger_naming_an_unknown_study_learns_no_study_ids(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    studies.mkdir()
    write_study(studies)
    write_study(studies, id="secret-study", title="Secret", researchers=["slack:UOTHER"], organizers=[])
    async with slack_service(tmp_path) as service:
        stranger, researcher = service.person("USTRANGER"), service.person("URESEARCH")
        for n, line in enumerate(("status nope", "export nope csv", "audit nope", "pilot nope")):
            answer = await stranger.command(line, f"stranger-{n}")
            assert "secret-study" not in answer and "pilot-study" not in answer, answer
            assert "nope" in answer, answer
        mine = await researcher.command("status nope", "researcher")
        assert "There is no study `nope`" in mine and "`pilot-study`" in mine, mine
        assert "secret-study" not in mine, "a study the researcher is not named in stays unnamed"


async def test_a_time_zone_typed_in_lower_case_is_taken_as_written_in_the_zone_list(tmp_path: Path) -> None:
    async with slack_service(tmp_path) as service:
        member = service.person("UMEMBER")
        answer = await member.command("timezone europe/berlin", "lower")
        assert answer.startswith("Your time zone is now Europe/Berlin;"), answer
        answer = await member.command("timezone AMERICA/NEW_YORK", "upper")
        assert answer.startswith("Your time zone is now America/New_York;"), answer
        for n, wrong in enumerate(("localtime", "posix/europe/berlin", "Europe/Atlantis")):
            refused = await member.command(f"timezone {wrong}", f"wrong-{n}")
            assert "is not an IANA time zone" in refused, refused
