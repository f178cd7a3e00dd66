"""Members' tasks: thin wrappers that re-read by id and call one service, safe to run twice."""

from celery import shared_task

from members.services import register_export_build


# A long register takes WeasyPrint about 12 ms a line: more than the default time limit allows.
@shared_task(name="members.tasks.build_register_export", time_limit=3600, soft_time_limit=3500)
def build_register_export(export_id: int) -> str:
    return register_export_build(export_id=export_id).status
