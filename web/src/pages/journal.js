// Journal page (being written).
export default {
  path: '/journal',
  title: 'Journal',
  nav: true,
  async render(ctx) {
    ctx.el.append(ctx.h('h1', null, 'Journal'), ctx.h('p', null, 'Coming soon.'));
  },
};
