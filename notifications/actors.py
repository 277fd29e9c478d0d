from dds.jobs.registry import worker

from . import services


@worker("send_notification", queue="notification_delivery")
def send_notification(notification_id):
    services.notification_send(notification_id=notification_id)
