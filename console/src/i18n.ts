// The console's words in Simplified Chinese (the default) and English, and the agent's time zone.
// Every time is shown in the agent's zone; deadlines as "in 12 min" / "overdue 3 min".
import { signal } from "@preact/signals";

export type Lang = "zh-CN" | "en";

const zh = {
  title: "客服工作台",
  signIn: "登录",
  signOut: "退出",
  user: "用户名",
  password: "密码",
  signInFailed: "登录失败：",
  sessionExpired: "会话已过期，请重新登录。",
  language: "语言",
  timeZone: "时区",
  team: "团队",
  views: "视图",
  "view.mine": "我的",
  "view.team": "团队队列",
  "view.unassigned": "未分配",
  "view.waiting": "等待客户",
  "view.breached": "已超时",
  "view.monitor": "实时监控",
  "view.record": "登记来电/到店",
  recordTitle: "登记电话或到店咨询",
  phone: "电话",
  inStore: "到店",
  voiceSummary: "通话录音摘要",
  record: "登记",
  empty: "没有咨询。",
  search: "搜索",
  searchHint: "订单号、电话、邮箱、姓名或内容",
  loading: "加载中…",
  received: "收到",
  channel: "渠道",
  status: "状态",
  deadline: "下一时限",
  customer: "客户",
  description: "内容",
  owner: "负责人",
  category: "类别",
  urgency: "紧急程度",
  order: "订单号",
  contact: "联系方式",
  tier: "客户等级",
  identities: "关联身份",
  history: "全渠道历史",
  conversation: "对话",
  timeline: "处理记录",
  deadlines: "时限",
  noDeadline: "无待办时限",
  back: "返回列表",
  reply: "回复客户",
  replyHint: "回复将通过客户原渠道发送",
  send: "发送回复",
  replyWindow: "{channel} 回复窗口（{hours} 小时）",
  windowClosed: "已关闭，回复将改用短信或邮件",
  acknowledge: "确认受理",
  take: "我来处理",
  start: "开始处理",
  waitOnCustomer: "等待客户",
  resolve: "解决",
  resolveResult: "解决结果",
  confirmResolve: "确认解决",
  cancel: "取消",
  reopen: "重新打开",
  reopenReason: "重新打开原因",
  waitReason: "等待原因",
  confirm: "确认",
  note: "内部备注",
  addNote: "添加备注",
  none: "无",
  urgent: "紧急",
  normal: "普通",
  vip: "VIP",
  in: "还剩 {n}",
  overdue: "已超时 {n}",
  min: "{n} 分钟",
  hour: "{h} 小时 {m} 分钟",
  day: "{d} 天 {h} 小时",
  sec: "{n} 秒",
  shortcuts: "快捷键：j/k 上下选择，Enter 打开，s 搜索，t 我来处理，r 回复，a 确认受理，e 解决，w 等待客户，Esc 返回，/ 切换视图",
  delivery: "发送状态",
  you: "我",
  peak: "高峰：积压超过 {n} 个",
  waiting: "等待回复",
  oldestWait: "最久等待",
  open: "未结",
  breachedCount: "超时",
  breachedList: "超时咨询",
  monitorTitle: "各渠道实时情况",
  alert: "告警",
  liveHint: "每 4 秒自动刷新",
  error: "出错了：",
  "status.new": "新建",
  "status.acknowledged": "已受理",
  "status.in_progress": "处理中",
  "status.waiting_on_customer": "等待客户",
  "status.resolved": "已解决",
  "status.closed": "已闭环",
  "ev.received": "通过 {channel} 收到咨询",
  "ev.message_added": "客户追加了消息",
  "ev.classified": "分类为 {category}，紧急程度 {urgency}，团队 {team}",
  "ev.assigned": "分配给 {owner}（团队 {team}）",
  "ev.queued": "进入 {team} 团队队列",
  "ev.acknowledged": "{actor} 确认受理",
  "ev.replied": "{actor} 回复了客户",
  "ev.status_changed": "{actor} 将状态改为 {status}",
  "ev.waiting_on_customer": "{actor} 标记为等待客户{reason}",
  "ev.customer_replied": "客户回复了",
  "ev.resolved": "{actor} 已解决：{result}",
  "ev.closed": "已闭环，满意度 {satisfaction}",
  "ev.reopened": "{actor} 重新打开（第 {episode} 轮）{reason}",
  "ev.deadline_set": "设定时限 {kind}：{due}",
  "ev.deadline_warned": "时限 {kind} 即将到期（{due}）",
  "ev.deadline_breached": "时限 {kind} 已超时（应于 {due}）",
  "ev.escalated": "升级：{action}（{kind}）",
  "ev.progress_notified": "已向客户发送进度通知（{kind}）",
  "ev.note": "{actor} 备注：{text}",
  "ev.delivery_sent": "回复已通过 {channel} 发送给 {to}",
  "ev.delivery_failed": "回复未能通过 {channel} 发送给 {to}{reason}",
  "ev.unlinked": "{actor} 取消了 {unlinked} 与该客户的关联{reason}",
  "ev.other": "{type}",
  "view.admin": "管理",
  "admin.documents": "策略文件",
  "admin.document": "文件",
  "admin.activeVersion": "当前版本",
  "admin.savedBy": "保存人",
  "admin.savedAt": "保存时间",
  "admin.edit": "编辑",
  "admin.packaged": "随系统发布的文件",
  "admin.editor": "编辑",
  "admin.history": "版本历史",
  "admin.agents": "坐席、团队、技能、容量与班次",
  "admin.agentId": "坐席账号",
  "admin.name": "姓名",
  "admin.teams": "团队（逗号分隔）",
  "admin.skills": "技能（逗号分隔）",
  "admin.capacity": "容量",
  "admin.shift": "班次（日历）",
  "admin.remove": "移除",
  "admin.addAgent": "添加坐席",
  "admin.newAgentId": "新坐席账号",
  "admin.calendars": "工作日历",
  "admin.timezone": "时区",
  "admin.hours": "营业时间（如 09:00-12:00, 13:30-18:00）",
  "admin.holidays": "法定节假日（国家代码，留空表示无）",
  "admin.closedDates": "额外休息日（YYYY-MM-DD，逗号分隔）",
  "admin.json": "JSON 编辑器",
  "admin.jsonInvalid": "JSON 格式错误：{error}",
  "admin.problems": "校验问题（{n}）",
  "admin.noProblems": "校验通过",
  "admin.check": "校验",
  "admin.reason": "修改原因（记入审计）",
  "admin.save": "保存为新版本",
  "admin.saved": "已保存版本 {version}，已生效",
  "admin.conflict": "其他管理员已保存了更新的版本，请重新加载：{reason}",
  "admin.reload": "重新加载",
  "admin.version": "版本",
  "admin.changes": "变更摘要",
  "admin.rollbackOf": "回滚自版本 {n}",
  "admin.rollback": "回滚到此版本",
  "admin.confirmRollback": "确认回滚到版本 {n}",
  "admin.rolledBack": "已回滚：新版本 {version}",
  "admin.view": "查看",
  "admin.compare": "与当前版本的差异",
  "admin.noDiff": "与当前版本相同",
  "admin.readOnly": "只有管理员可以修改；主管可以查看。",
  "day.mon": "周一",
  "day.tue": "周二",
  "day.wed": "周三",
  "day.thu": "周四",
  "day.fri": "周五",
  "day.sat": "周六",
  "day.sun": "周日",
};

type Key = keyof typeof zh;

const en: Record<Key, string> = {
  title: "Inquiry Desk",
  signIn: "Sign in",
  signOut: "Sign out",
  user: "User name",
  password: "Password",
  signInFailed: "Sign-in failed: ",
  sessionExpired: "Your session expired. Please sign in again.",
  language: "Language",
  timeZone: "Time zone",
  team: "Team",
  views: "Views",
  "view.mine": "Mine",
  "view.team": "Team queue",
  "view.unassigned": "Unassigned",
  "view.waiting": "Waiting on customer",
  "view.breached": "Breached",
  "view.monitor": "Live monitor",
  "view.record": "Record a call or visit",
  recordTitle: "Record a phone call or store visit",
  phone: "Phone",
  inStore: "In store",
  voiceSummary: "Summary of the recording",
  record: "Record",
  empty: "No inquiries.",
  search: "Search",
  searchHint: "order number, phone, e-mail, name or text",
  loading: "Loading…",
  received: "Received",
  channel: "Channel",
  status: "Status",
  deadline: "Next deadline",
  customer: "Customer",
  description: "Description",
  owner: "Owner",
  category: "Category",
  urgency: "Urgency",
  order: "Order",
  contact: "Contact",
  tier: "Tier",
  identities: "Linked identities",
  history: "History on every channel",
  conversation: "Conversation",
  timeline: "Timeline",
  deadlines: "Deadlines",
  noDeadline: "No pending deadline",
  back: "Back to the list",
  reply: "Reply to the customer",
  replyHint: "Goes out on the customer's own channel",
  send: "Send reply",
  replyWindow: "{channel} reply window ({hours} h)",
  windowClosed: "closed: the reply falls back to SMS or e-mail",
  acknowledge: "Acknowledge",
  take: "Take it",
  start: "Start work",
  waitOnCustomer: "Wait on customer",
  resolve: "Resolve",
  resolveResult: "Result",
  confirmResolve: "Confirm resolution",
  cancel: "Cancel",
  reopen: "Reopen",
  reopenReason: "Why reopen",
  waitReason: "What we wait for",
  confirm: "Confirm",
  note: "Internal note",
  addNote: "Add note",
  none: "none",
  urgent: "urgent",
  normal: "normal",
  vip: "VIP",
  in: "in {n}",
  overdue: "overdue {n}",
  min: "{n} min",
  hour: "{h} h {m} min",
  day: "{d} d {h} h",
  sec: "{n} s",
  shortcuts:
    "Keys: j/k move, Enter opens, s search, t take it, r reply, a acknowledge, e resolve, w wait on customer, Esc back, / next view",
  delivery: "Delivery",
  you: "me",
  peak: "Peak: more than {n} waiting",
  waiting: "Waiting for an answer",
  oldestWait: "Oldest wait",
  open: "Open",
  breachedCount: "Breached",
  breachedList: "Breached inquiries",
  monitorTitle: "Every channel, live",
  alert: "Alert",
  liveHint: "Refreshes every 4 s",
  error: "Error: ",
  "status.new": "new",
  "status.acknowledged": "acknowledged",
  "status.in_progress": "in progress",
  "status.waiting_on_customer": "waiting on customer",
  "status.resolved": "resolved",
  "status.closed": "closed",
  "ev.received": "Received on {channel}",
  "ev.message_added": "The customer added a message",
  "ev.classified": "Classified as {category}, {urgency}, team {team}",
  "ev.assigned": "Assigned to {owner} (team {team})",
  "ev.queued": "Queued for team {team}",
  "ev.acknowledged": "{actor} acknowledged",
  "ev.replied": "{actor} replied to the customer",
  "ev.status_changed": "{actor} set the status to {status}",
  "ev.waiting_on_customer": "{actor} is waiting on the customer{reason}",
  "ev.customer_replied": "The customer replied",
  "ev.resolved": "{actor} resolved: {result}",
  "ev.closed": "Closed, satisfaction {satisfaction}",
  "ev.reopened": "{actor} reopened (episode {episode}){reason}",
  "ev.deadline_set": "Deadline {kind} set: {due}",
  "ev.deadline_warned": "Deadline {kind} is close ({due})",
  "ev.deadline_breached": "Deadline {kind} breached (was due {due})",
  "ev.escalated": "Escalated: {action} ({kind})",
  "ev.progress_notified": "Progress notice sent to the customer ({kind})",
  "ev.note": "{actor} noted: {text}",
  "ev.delivery_sent": "The reply went out on {channel} to {to}",
  "ev.delivery_failed": "The reply could not go out on {channel} to {to}{reason}",
  "ev.unlinked": "{actor} unlinked {unlinked} from this customer{reason}",
  "ev.other": "{type}",
  "view.admin": "Administration",
  "admin.documents": "Policy documents",
  "admin.document": "Document",
  "admin.activeVersion": "Active version",
  "admin.savedBy": "Saved by",
  "admin.savedAt": "Saved at",
  "admin.edit": "Edit",
  "admin.packaged": "the shipped file",
  "admin.editor": "Edit",
  "admin.history": "Version history",
  "admin.agents": "Agents, teams, skills, capacity and shifts",
  "admin.agentId": "Agent",
  "admin.name": "Name",
  "admin.teams": "Teams (comma separated)",
  "admin.skills": "Skills (comma separated)",
  "admin.capacity": "Capacity",
  "admin.shift": "Shift (calendar)",
  "admin.remove": "Remove",
  "admin.addAgent": "Add agent",
  "admin.newAgentId": "New agent's user name",
  "admin.calendars": "Business calendars",
  "admin.timezone": "Time zone",
  "admin.hours": "Business hours (e.g. 09:00-12:00, 13:30-18:00)",
  "admin.holidays": "Public holidays (country code; empty: none)",
  "admin.closedDates": "Extra closed days (YYYY-MM-DD, comma separated)",
  "admin.json": "JSON editor",
  "admin.jsonInvalid": "Not valid JSON: {error}",
  "admin.problems": "Problems ({n})",
  "admin.noProblems": "Valid",
  "admin.check": "Check",
  "admin.reason": "Why (recorded in the audit)",
  "admin.save": "Save as a new version",
  "admin.saved": "Saved version {version}; it is active now",
  "admin.conflict": "Another admin saved a newer version; reload: {reason}",
  "admin.reload": "Reload",
  "admin.version": "Version",
  "admin.changes": "What changed",
  "admin.rollbackOf": "rollback to version {n}",
  "admin.rollback": "Roll back to this version",
  "admin.confirmRollback": "Confirm rollback to version {n}",
  "admin.rolledBack": "Rolled back: new version {version}",
  "admin.view": "View",
  "admin.compare": "Difference from the active version",
  "admin.noDiff": "Same as the active version",
  "admin.readOnly": "Only admins may change this; supervisors may read it.",
  "day.mon": "Mon",
  "day.tue": "Tue",
  "day.wed": "Wed",
  "day.thu": "Thu",
  "day.fri": "Fri",
  "day.sat": "Sat",
  "day.sun": "Sun",
};

const dictionaries: Record<Lang, Record<Key, string>> = { "zh-CN": zh, en };

function storedLang(): Lang {
  return localStorage.getItem("desk.lang") === "en" ? "en" : "zh-CN";
}

export const lang = signal<Lang>(storedLang());
export const timeZone = signal<string>(
  localStorage.getItem("desk.tz") || Intl.DateTimeFormat().resolvedOptions().timeZone || "Asia/Shanghai",
);

export function setLang(value: Lang): void {
  localStorage.setItem("desk.lang", value);
  document.documentElement.lang = value;
  lang.value = value;
}

export function setTimeZone(value: string): void {
  localStorage.setItem("desk.tz", value);
  timeZone.value = value;
}

export function t(key: Key, vars: Record<string, string | number | null | undefined> = {}): string {
  const text = dictionaries[lang.value][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ""));
}

export function statusName(status: string): string {
  const key = `status.${status}` as Key;
  return key in zh ? t(key) : status;
}

export function hasKey(key: string): key is Key {
  return key in zh;
}

/** A point in time in the agent's zone: "11-30 18:05" (the year when it is not this year). */
export function when(iso: string | null | undefined): string {
  if (!iso) return "-";
  const at = new Date(iso);
  const sameYear = at.getFullYear() === new Date().getFullYear();
  return new Intl.DateTimeFormat(lang.value, {
    timeZone: timeZone.value,
    year: sameYear ? undefined : "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(at);
}

function span(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 60) return t("sec", { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t("min", { n: m });
  const h = Math.floor(m / 60);
  if (h < 24) return t("hour", { h, m: m % 60 });
  return t("day", { d: Math.floor(h / 24), h: h % 24 });
}

/** A deadline relative to now: "in 12 min" or "overdue 3 min". */
export function countdown(iso: string, now: number): string {
  const ms = new Date(iso).getTime() - now;
  return ms >= 0 ? t("in", { n: span(ms) }) : t("overdue", { n: span(ms) });
}

/** How long ago: used for the oldest wait. */
export function duration(ms: number): string {
  return span(ms);
}

/** The colour band of a deadline: breached, due within 15 minutes, or fine. */
export function band(iso: string | null | undefined, now: number): "breached" | "soon" | "ok" | "none" {
  if (!iso) return "none";
  const ms = new Date(iso).getTime() - now;
  if (ms < 0) return "breached";
  return ms < 15 * 60_000 ? "soon" : "ok";
}
