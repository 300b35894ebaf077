import { defineMessages, plural } from '../../i18n/catalog.ts';

/** /tools texts (connected MCP services and their tools), English and Russian. */
export const toolsTexts = defineMessages(
  {
    none: 'No services are connected. The owner adds them in config/mcp.json (see docs/integrations.md); their tools then show up here.',
    header: (p: { n: number }) => `Connected services (${p.n}):`,
    server: (p: { name: string; status: string; tools: number }) =>
      `${p.name}: ${p.status} · ${p.tools === 1 ? '1 tool' : `${p.tools} tools`}`,
    ready: '✅ ready',
    connecting: '⏳ connecting',
    down: '⚠️ unavailable, reconnecting',
    stopped: '⏹ stopped',
    disabled: '⏸ turned off',
    needsSecret: (p: { commands: string }) => `needs your key: ${p.commands} in a private chat`,
    more: (p: { n: number }) => `…and ${p.n} more`,
    lastError: (p: { error: string }) => `last error: ${p.error}`,
    footer: 'I use these tools when a request needs them; anything that changes data asks you first.',
  },
  {
    ru: {
      none: 'Сервисы не подключены. Владелец добавляет их в config/mcp.json (см. docs/integrations.md); их инструменты появятся здесь.',
      header: (p) => `Подключённые сервисы (${p.n}):`,
      server: (p) =>
        `${p.name}: ${p.status} · ${plural('ru', p.tools, { one: '{n} инструмент', few: '{n} инструмента', many: '{n} инструментов', other: '{n} инструмента' })}`,
      ready: '✅ работает',
      connecting: '⏳ подключается',
      down: '⚠️ недоступен, переподключаюсь',
      stopped: '⏹ остановлен',
      disabled: '⏸ выключен',
      needsSecret: (p) => `нужен ваш ключ: ${p.commands} в личном чате`,
      more: (p) => `…и ещё ${p.n}`,
      lastError: (p) => `последняя ошибка: ${p.error}`,
      footer: 'Я пользуюсь этими инструментами, когда они нужны; всё, что меняет данные, сначала спрашивает вас.',
    },
  },
);
