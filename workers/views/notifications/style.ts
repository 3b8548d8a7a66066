/** Stylesheet rules of the notification pages and the header counter (appended to the one sheet). */
export const NOTIFICATIONS_STYLE = `
/* Notifications (views/notifications, the header counter). */
.unread-count { display: inline-block; margin-left: 0.3em; padding: 0 0.35em; border: 2px solid var(--fg); font-weight: 700; font-size: 0.8rem; }
.notifications tr.unread .title { font-weight: 800; }
.notifications tr.read .title { font-weight: 400; }
.notifications td.actions { white-space: nowrap; text-align: right; }
.bar form.watch { align-items: center; }
form.watch label { font-size: 0.9rem; }
`;
